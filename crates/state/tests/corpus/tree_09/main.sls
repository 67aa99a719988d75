include:
  - lib
extend:
  lib_one_0:
    test:
      - comment: extended
main_0:
  test.fail_without_changes:
    - comment: plain
main_1:
  test.succeed_without_changes:
    - use:
      - lib_one_2
main_2:
  test.succeed_with_changes:
    - names:
      - main_2_x
      - main_2_y:
        - comment: y
    - prereq:
      - lib_one_1
    - prereq:
      - lib_two_0
