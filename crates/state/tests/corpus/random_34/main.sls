s0:
  test.succeed_with_changes:
    - names:
      - s0_a
      - s0_b
    - onchanges_in:
      - s3
s1:
  test.succeed_without_changes:
    - names:
      - s1_a
      - s1_b
    - watch_any:
      - s0
s2:
  test.succeed_with_changes:
    - onchanges_any:
      - test: s0
s3:
  test.fail_without_changes:
    - failhard: True
s4:
  test.nop:
    - onfail:
      - test: s3
    - onfail_any:
      - s3
