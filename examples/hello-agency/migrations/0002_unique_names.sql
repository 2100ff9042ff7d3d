-- One greeting per name: a second one is a 409 problem naming the name.
CREATE UNIQUE INDEX greetings_name ON greetings (name);
