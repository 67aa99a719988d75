s0:
  test.fail_with_changes:
    - comment: plain
s1:
  test.fail_without_changes:
    - order: 10
    - listen_in:
      - s5
s2:
  test.fail_with_changes:
    - onchanges_any:
      - s3
s3:
  test.nop:
    - failhard: True
    - require_in:
      - s1
s4:
  test.fail_without_changes:
    - onchanges_any:
      - s3
      - test: s1
s5:
  test.fail_with_changes:
    - listen:
      - s0
    - onfail_any:
      - s4
s6:
  test.succeed_without_changes:
    - require:
      - s5
      - s1
