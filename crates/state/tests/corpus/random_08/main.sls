s0:
  test.fail_with_changes:
    - comment: plain
s1:
  test.succeed_without_changes:
    - require:
      - s6
      - s8
s2:
  test.succeed_with_changes:
    - onchanges_any:
      - s1
s3:
  test.succeed_without_changes:
    - comment: plain
s4:
  test.fail_with_changes:
    - comment: plain
s5:
  test.fail_with_changes:
    - onchanges_any:
      - s6
      - s6
s6:
  test.nop:
    - order: first
    - require_any:
      - s8
s7:
  test.succeed_without_changes:
    - comment: plain
s8:
  test.succeed_with_changes:
    - failhard: True
