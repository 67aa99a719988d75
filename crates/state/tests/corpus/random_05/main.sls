s0:
  test.fail_with_changes:
    - onchanges_any:
      - s6
      - test: s1
s1:
  test.fail_without_changes:
    - failhard: True
    - watch:
      - s7
    - use:
      - s3
s2:
  test.fail_without_changes:
    - onfail_any:
      - test: s7
    - watch:
      - test: s7
s3:
  test.fail_without_changes:
    - watch_any:
      - test: s5
s4:
  test.nop:
    - names:
      - s4_a
      - s4_b
    - onfail_any:
      - test: s5
s5:
  test.nop:
    - comment: plain
s6:
  test.succeed_with_changes:
    - failhard: True
s7:
  test.fail_with_changes:
    - names:
      - s7_a
      - s7_b
