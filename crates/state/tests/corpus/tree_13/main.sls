include:
  - lib
exclude:
  - id: lib_two_2
extend:
  lib_one_1:
    test:
      - comment: extended
main_0:
  test.succeed_without_changes:
    - comment: plain
main_1:
  test.succeed_with_changes:
    - names:
      - main_1_x
      - main_1_y:
        - comment: y
