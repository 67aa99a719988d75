s0:
  test.succeed_without_changes:
    - names:
      - s0_a
      - s0_b
    - failhard: True
    - onfail_all:
      - s5
      - s2
s1:
  test.succeed_with_changes:
    - comment: plain
s2:
  test.fail_with_changes:
    - onfail_any:
      - s1
      - s5
    - onfail:
      - test: s1
      - test: s3
s3:
  test.succeed_with_changes:
    - watch_in:
      - test: s0
s4:
  test.nop:
    - require_any:
      - test: s5
      - s6
    - listen_in:
      - test: s2
s5:
  test.succeed_without_changes:
    - names:
      - s5_a
      - s5_b
s6:
  test.succeed_with_changes:
    - failhard: True
    - listen_in:
      - test: s4
