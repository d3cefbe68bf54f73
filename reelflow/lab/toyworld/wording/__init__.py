"""How the world says what a clip shows: the phrase grammar and the prompt writer."""
