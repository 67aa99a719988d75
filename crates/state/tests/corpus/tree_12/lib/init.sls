include:
  - .one
  - lib.two
lib_0:
  cmd.run:
    - name: echo lib_0
    - unless: 'false'
lib_1:
  cmd.run:
    - name: echo lib_1
    - unless: 'true'
    - prereq:
      - lib_2
    - watch_in:
      - lib_two_1
lib_2:
  test.nop:
    - names:
      - lib_2_x
      - lib_2_y:
        - comment: y
