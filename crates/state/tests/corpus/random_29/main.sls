s0:
  test.fail_without_changes:
    - listen_in:
      - test: s5
    - onchanges_any:
      - s5
s1:
  test.fail_with_changes:
    - comment: plain
s2:
  test.fail_with_changes:
    - comment: plain
s3:
  test.fail_without_changes:
    - names:
      - s3_a
      - s3_b
    - onchanges_any:
      - test: s6
      - s4
    - onfail_in:
      - s5
s4:
  test.nop:
    - comment: plain
s5:
  test.succeed_with_changes:
    - comment: plain
s6:
  test.succeed_with_changes:
    - names:
      - s6_a
      - s6_b
    - watch_in:
      - s5
      - test: s8
s7:
  test.succeed_without_changes:
    - names:
      - s7_a
      - s7_b
    - failhard: True
    - onfail_all:
      - test: s6
s8:
  test.succeed_with_changes:
    - comment: plain
