lib_one_0:
  test.succeed_without_changes:
    - comment: plain
