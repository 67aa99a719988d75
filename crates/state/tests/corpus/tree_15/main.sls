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
    - onchanges_in:
      - lib_two_1
