include:
  - lib
extend:
  lib_one_0:
    test:
      - comment: extended
main_0:
  test.succeed_with_changes:
    - comment: plain
main_1:
  test.succeed_with_changes:
    - require_in:
      - lib_two_1
