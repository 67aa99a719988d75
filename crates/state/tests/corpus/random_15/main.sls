s0:
  test.fail_without_changes:
    - onfail_in:
      - s3
s1:
  test.nop:
    - use:
      - test: s3
s2:
  test.succeed_without_changes:
    - onfail:
      - s3
s3:
  test.nop:
    - watch_in:
      - s1
    - require_in:
      - s0
      - s0
s4:
  test.succeed_without_changes:
    - comment: plain
