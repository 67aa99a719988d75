include:
  - lib
exclude:
  - id: lib_two_1
extend:
  lib_one_0:
    test:
      - comment: extended
main_0:
  test.fail_without_changes:
    - prereq:
      - lib_1
    - require_in:
      - lib_1
