lib_two_0:
  test.nop:
    - comment: plain
lib_two_1:
  test.succeed_with_changes:
    - require:
      - sls: lib.one
