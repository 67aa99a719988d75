s0:
  test.nop:
    - onfail_all:
      - s7
      - test: s2
s1:
  test.fail_without_changes:
    - require:
      - s0
    - use:
      - s8
s2:
  test.fail_without_changes:
    - comment: plain
s3:
  test.succeed_with_changes:
    - onfail:
      - s5
    - require_any:
      - test: s2
s4:
  test.fail_with_changes:
    - order: 2
    - onfail_any:
      - test: s6
      - s1
    - onfail_any:
      - test: s1
s5:
  test.fail_with_changes:
    - onfail_any:
      - s1
      - test: s2
s6:
  test.succeed_without_changes:
    - order: -1
    - failhard: True
s7:
  test.nop:
    - comment: plain
s8:
  test.succeed_with_changes:
    - onfail:
      - s6
      - s1
    - onfail_any:
      - test: s0
      - test: s2
