"""What the tests share: a browser and a mailbox (`browser`), the people and the complete
answers they type (`answers`), the steps a representative takes (`flows`), deliveries made
through the domain plus stream records and the publication bucket (`feed`), and reading the
tables (`tables`). Test modules import from here, never from each other."""
