s0:
  test.nop:
    - comment: plain
s1:
  test.succeed_without_changes:
    - order: last
    - listen:
      - s0
      - s2
s2:
  test.succeed_with_changes:
    - names:
      - s2_a
      - s2_b
    - onfail_all:
      - s3
s3:
  test.succeed_with_changes:
    - comment: plain
s4:
  test.succeed_with_changes:
    - onfail_all:
      - s0
