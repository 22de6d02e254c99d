CREATE SEQUENCE invoice_no START 1000;
CREATE SEQUENCE old_seq;
CREATE TABLE invoice (no integer DEFAULT nextval('invoice_no'), id serial);
