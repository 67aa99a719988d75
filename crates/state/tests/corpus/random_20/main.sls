s0:
  test.succeed_with_changes:
    - comment: plain
s1:
  test.nop:
    - onfail_all:
      - s4
s2:
  test.nop:
    - comment: plain
s3:
  test.succeed_with_changes:
    - require:
      - s4
s4:
  test.fail_without_changes:
    - names:
      - s4_a
      - s4_b
    - onchanges_in:
      - test: s2
