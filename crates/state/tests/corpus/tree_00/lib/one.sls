lib_one_0:
  test.succeed_with_changes:
    - comment: plain
lib_one_1:
  test.succeed_without_changes:
    - onchanges:
      - sls: lib.two
