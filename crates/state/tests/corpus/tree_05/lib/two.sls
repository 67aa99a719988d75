lib_two_0:
  test.succeed_without_changes:
    - comment: plain
