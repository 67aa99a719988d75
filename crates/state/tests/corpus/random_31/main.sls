s0:
  test.nop:
    - names:
      - s0_a
      - s0_b
    - order: 1
    - onfail_in:
      - s7
s1:
  test.succeed_with_changes:
    - failhard: True
s2:
  test.succeed_without_changes:
    - failhard: True
s3:
  test.succeed_with_changes:
    - order: last
    - use:
      - s7
      - s6
    - onchanges_any:
      - test: s6
s4:
  test.succeed_with_changes:
    - order: 1
    - onchanges_in:
      - s5
    - watch_in:
      - test: s8
s5:
  test.fail_without_changes:
    - comment: plain
s6:
  test.nop:
    - onchanges_any:
      - s5
s7:
  test.succeed_without_changes:
    - onfail_in:
      - test: s2
s8:
  test.succeed_without_changes:
    - names:
      - s8_a
      - s8_b
