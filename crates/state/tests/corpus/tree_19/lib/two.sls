lib_two_0:
  test.succeed_without_changes:
    - comment: plain
lib_two_1:
  test.succeed_without_changes:
    - watch:
      - main_0
