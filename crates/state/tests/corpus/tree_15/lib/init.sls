include:
  - .one
  - lib.two
lib_0:
  cmd.run:
    - name: echo lib_0
    - unless: 'false'
    - onfail:
      - main_0
lib_1:
  cmd.run:
    - name: echo lib_1
    - unless: 'false'
