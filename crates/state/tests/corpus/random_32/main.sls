s0:
  test.nop:
    - watch_in:
      - s3
s1:
  test.fail_without_changes:
    - order: 1
    - require:
      - s7
      - test: s6
    - onfail_in:
      - s3
      - s0
s2:
  test.succeed_with_changes:
    - comment: plain
s3:
  test.succeed_with_changes:
    - onfail:
      - test: s5
s4:
  test.fail_with_changes:
    - names:
      - s4_a
      - s4_b
    - failhard: True
    - onfail_any:
      - s2
      - s6
s5:
  test.nop:
    - onchanges_in:
      - s1
      - s4
s6:
  test.fail_without_changes:
    - onfail_all:
      - s7
s7:
  test.succeed_without_changes:
    - comment: plain
