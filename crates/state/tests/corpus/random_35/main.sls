s0:
  test.succeed_without_changes:
    - order: 2
    - failhard: True
s1:
  test.fail_without_changes:
    - require_any:
      - s6
    - onfail_any:
      - s7
s2:
  test.nop:
    - comment: plain
s3:
  test.succeed_without_changes:
    - use:
      - test: s5
s4:
  test.fail_with_changes:
    - comment: plain
s5:
  test.succeed_with_changes:
    - onfail_in:
      - test: s0
s6:
  test.succeed_with_changes:
    - names:
      - s6_a
      - s6_b
s7:
  test.succeed_without_changes:
    - failhard: True
