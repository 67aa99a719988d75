lib_two_0:
  test.fail_without_changes:
    - onchanges:
      - lib_one_0
lib_two_1:
  test.succeed_with_changes:
    - require:
      - sls: lib.one
lib_two_2:
  test.succeed_with_changes:
    - use:
      - lib_0
