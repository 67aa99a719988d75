s0:
  test.fail_without_changes:
    - comment: plain
s1:
  test.nop:
    - onchanges_in:
      - test: s0
s2:
  test.succeed_with_changes:
    - failhard: True
    - listen:
      - test: s7
      - test: s4
s3:
  test.fail_without_changes:
    - comment: plain
s4:
  test.succeed_without_changes:
    - listen_in:
      - s1
      - test: s6
s5:
  test.fail_without_changes:
    - listen_in:
      - test: s7
      - test: s3
s6:
  test.nop:
    - names:
      - s6_a
      - s6_b
    - onfail_all:
      - s5
s7:
  test.succeed_without_changes:
    - order: 1
    - failhard: True
    - onfail_all:
      - test: s3
    - require_in:
      - s4
      - s0
