include:
  - lib
exclude:
  - id: lib_two_2
main_0:
  test.fail_without_changes:
    - names:
      - main_0_x
      - main_0_y:
        - comment: y
    - prereq:
      - lib_one_1
    - onchanges:
      - lib_two_1
