s0:
  test.fail_without_changes:
    - comment: plain
s1:
  test.fail_without_changes:
    - comment: plain
s2:
  test.fail_with_changes:
    - failhard: True
    - require_any:
      - test: s4
      - test: s5
s3:
  test.fail_without_changes:
    - comment: plain
s4:
  test.succeed_with_changes:
    - watch:
      - test: s3
s5:
  test.succeed_with_changes:
    - order: 1
s6:
  test.nop:
    - comment: plain
s7:
  test.fail_without_changes:
    - names:
      - s7_a
      - s7_b
    - watch_in:
      - test: s3
      - s6
    - onfail_in:
      - test: s1
s8:
  test.fail_with_changes:
    - prereq:
      - test: s4
    - require_any:
      - test: s6
