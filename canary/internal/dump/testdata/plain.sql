INSERT INTO customers VALUES (1, 'jane.doe@mail.example');
INSERT INTO customers VALUES (1, '+17025550128');
INSERT INTO customers VALUES (1, 'jane.doe@mail.example');
INSERT INTO customers VALUES (1, '+17025550128');
INSERT INTO customers VALUES (1, 'jane.doe@mail.example');
INSERT INTO customers VALUES (1, '+17025550128');
