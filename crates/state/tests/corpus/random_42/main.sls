s0:
  test.succeed_without_changes:
    - onfail_any:
      - s2
s1:
  test.succeed_without_changes:
    - onfail_in:
      - s0
s2:
  test.fail_with_changes:
    - watch_in:
      - s1
    - prereq:
      - test: s3
s3:
  test.nop:
    - order: 1
    - require:
      - test: s5
s4:
  test.fail_without_changes:
    - comment: plain
s5:
  test.succeed_with_changes:
    - comment: plain
