include:
  - .one
  - lib.two
lib_0:
  test.succeed_without_changes:
    - comment: plain
lib_1:
  test.succeed_with_changes:
    - require:
      - main_0
