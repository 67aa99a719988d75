s0:
  test.fail_with_changes:
    - order: 1
    - failhard: True
    - onchanges_any:
      - s3
s1:
  test.fail_without_changes:
    - names:
      - s1_a
      - s1_b
s2:
  test.nop:
    - comment: plain
s3:
  test.fail_without_changes:
    - use:
      - s5
      - s0
s4:
  test.nop:
    - watch_any:
      - s3
      - test: s6
s5:
  test.succeed_without_changes:
    - comment: plain
s6:
  test.fail_with_changes:
    - prereq:
      - s3
      - test: s7
s7:
  test.fail_with_changes:
    - require_any:
      - s2
      - test: s5
