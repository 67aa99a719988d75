s0:
  test.fail_with_changes:
    - comment: plain
s1:
  test.fail_without_changes:
    - comment: plain
s2:
  test.nop:
    - failhard: True
s3:
  test.nop:
    - watch_in:
      - test: s4
    - onfail:
      - test: s4
s4:
  test.succeed_without_changes:
    - watch_in:
      - s3
