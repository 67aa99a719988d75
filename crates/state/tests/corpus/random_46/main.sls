s0:
  test.nop:
    - order: 1
s1:
  test.succeed_with_changes:
    - comment: plain
s2:
  test.fail_without_changes:
    - watch_in:
      - s7
    - onchanges_in:
      - test: s6
s3:
  test.succeed_with_changes:
    - order: 1
s4:
  test.fail_without_changes:
    - comment: plain
s5:
  test.fail_with_changes:
    - comment: plain
s6:
  test.succeed_with_changes:
    - comment: plain
s7:
  test.nop:
    - comment: plain
