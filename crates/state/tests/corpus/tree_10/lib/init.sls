include:
  - .one
  - lib.two
lib_0:
  test.succeed_without_changes:
    - comment: plain
