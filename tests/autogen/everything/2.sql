-- everything dropped but one new table
CREATE TABLE fresh (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text);
