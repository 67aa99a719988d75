s0:
  test.succeed_without_changes:
    - order: 2
    - onchanges_any:
      - test: s4
      - test: s2
s1:
  test.succeed_with_changes:
    - names:
      - s1_a
      - s1_b
    - watch_in:
      - s2
      - test: s0
s2:
  test.fail_with_changes:
    - order: 1
s3:
  test.nop:
    - comment: plain
s4:
  test.fail_with_changes:
    - names:
      - s4_a
      - s4_b
