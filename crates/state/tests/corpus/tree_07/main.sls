include:
  - lib
extend:
  lib_one_2:
    test:
      - comment: extended
main_0:
  test.succeed_without_changes:
    - onfail:
      - lib_two_0
