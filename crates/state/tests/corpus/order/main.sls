plain_one:
  test.nop: []
last_one:
  test.nop:
    - order: last
first_one:
  test.nop:
    - order: first
numbered_ten:
  test.nop:
    - order: 10
numbered_two:
  test.nop:
    - order: 2
negative:
  test.nop:
    - order: -1
plain_two:
  test.nop: []
