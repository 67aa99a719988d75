include:
  - .one
  - lib.two
lib_0:
  test.succeed_with_changes:
    - names:
      - lib_0_x
      - lib_0_y:
        - comment: y
lib_1:
  test.succeed_without_changes:
    - onchanges_in:
      - lib_one_0
    - listen:
      - lib_two_0
