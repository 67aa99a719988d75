include:
  - .one
  - lib.two
lib_0:
  test.succeed_with_changes:
    - names:
      - lib_0_x
      - lib_0_y:
        - comment: y
    - onchanges_in:
      - lib_two_2
    - prereq:
      - main_1
