s0:
  test.succeed_with_changes:
    - order: 10
s1:
  test.succeed_without_changes:
    - comment: plain
s2:
  test.nop:
    - names:
      - s2_a
      - s2_b
    - watch:
      - test: s6
s3:
  test.succeed_with_changes:
    - names:
      - s3_a
      - s3_b
s4:
  test.succeed_with_changes:
    - use:
      - s2
s5:
  test.nop:
    - comment: plain
s6:
  test.fail_with_changes:
    - onfail:
      - s4
