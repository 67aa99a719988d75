include:
  - lib
extend:
  lib_one_1:
    test:
      - comment: extended
main_0:
  test.nop:
    - prereq:
      - lib_one_0
