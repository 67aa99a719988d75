s0:
  test.succeed_with_changes:
    - order: 10
s1:
  test.nop:
    - onchanges:
      - s2
s2:
  test.succeed_with_changes:
    - require_any:
      - test: s0
    - prereq:
      - test: s3
      - s1
s3:
  test.fail_with_changes:
    - failhard: True
s4:
  test.fail_with_changes:
    - require_any:
      - s0
s5:
  test.fail_without_changes:
    - require_any:
      - test: s2
      - s0
    - onchanges_in:
      - test: s3
