lib_one_0:
  test.nop:
    - comment: plain
lib_one_1:
  test.fail_without_changes:
    - prereq:
      - main_1
lib_one_2:
  test.succeed_without_changes:
    - comment: plain
