lib_one_0:
  test.nop:
    - watch_in:
      - lib_0
    - prereq:
      - lib_0
lib_one_1:
  test.succeed_without_changes:
    - comment: plain
