lib_two_0:
  test.succeed_with_changes:
    - watch:
      - lib_one_1
lib_two_1:
  test.fail_without_changes:
    - comment: plain
lib_two_2:
  test.nop:
    - onchanges:
      - lib_two_0
