s0:
  test.nop:
    - onfail_any:
      - s6
s1:
  test.fail_with_changes:
    - listen_in:
      - test: s6
      - test: s0
s2:
  test.nop:
    - require:
      - s4
    - onchanges_in:
      - s7
      - s3
s3:
  test.succeed_without_changes:
    - comment: plain
s4:
  test.succeed_without_changes:
    - comment: plain
s5:
  test.succeed_without_changes:
    - comment: plain
s6:
  test.fail_with_changes:
    - comment: plain
s7:
  test.nop:
    - failhard: True
