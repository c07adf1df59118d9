"""The diverse prompt set from which Exclusive Unlearning (EU) generates its forget text.

EU forgets "everything except what must be kept": the forget loss is applied to text the model itself
generates from prompts covering as much of its behaviour as possible, and the retain loss pulls the
kept domain back. The paper does not publish its prompts, sampling settings or set size; these are ours.

Design of the set (written by hand for ecoguard, 16 categories x 10 prompts = 160):
- broad coverage of what a chat model is asked: fiction and films, pop culture, people, sports, games,
  music and art, food, travel, history, science, health, technology and code, business, everyday
  advice, creative writing, and open chit-chat;
- mixed forms: factual questions, explanations, instructions, open-ended requests, short role-play;
- nothing from the Harry Potter universe itself (that comes from the forget set, see `include_forget_questions`
  in methods/eu.py) and no prompt copied from data/harry_potter.
Some categories overlap with the retain data on purpose (science, history, code): EU's retain term is
what decides what stays, exactly as in the paper, where the generated set is domain-agnostic.

Generation settings (methods/eu.py defaults): the model's own chat template, sampling with temperature
0.8 and top-p 0.95, 64 new tokens, one sample per prompt, seeded; cached in the job's cache dir.
"""

from __future__ import annotations

PROMPTS: dict[str, list[str]] = {
    "fiction": [
        "Recommend a good fantasy novel for a teenager and say why.",
        "Who is the main character of the book you like best, and what happens to them?",
        "Tell me about a famous wizard from a story.",
        "Summarise the plot of a classic adventure novel.",
        "What makes a good villain in a story?",
        "Describe a magical school from a book or film.",
        "What are the most popular book series for children?",
        "Explain what a dragon usually represents in fairy tales.",
        "Which novel would you take to a desert island?",
        "Tell me about a book that became a famous film series.",
    ],
    "film_tv": [
        "What is your favourite movie and why?",
        "Who are the most famous actors of the last twenty years?",
        "Explain what happens in a typical superhero film.",
        "Recommend a TV series for a long weekend.",
        "Which film won the most Oscars?",
        "Describe a memorable scene from a famous movie.",
        "What are the best family films to watch together?",
        "Who directed some of the biggest fantasy films?",
        "Tell me about a movie set in a castle.",
        "What is a film franchise, and which are the largest?",
    ],
    "people": [
        "Tell me about a famous author and their books.",
        "Who is a well-known scientist and what did they discover?",
        "Describe the life of a famous musician.",
        "Who are some of the richest people in the world?",
        "Tell me about a famous British writer.",
        "Who was a great leader in history, and why?",
        "Name a famous actress and her best-known roles.",
        "Who is a famous inventor?",
        "Tell me about an athlete who broke records.",
        "Who are famous characters that everyone knows?",
    ],
    "sports_games": [
        "Explain the rules of football.",
        "What is the most popular sport in the world?",
        "How do you play chess?",
        "Describe an unusual sport from a book or film.",
        "Recommend a board game for a family evening.",
        "What are the best video games of all time?",
        "Explain how a team wins a match in cricket.",
        "Tell me about the Olympic Games.",
        "What is a good card game for two players?",
        "How do role-playing games work?",
    ],
    "music_art": [
        "What makes a song catchy?",
        "Tell me about a famous painting.",
        "Recommend some music for studying.",
        "Who are the most famous bands of all time?",
        "Explain what a symphony is.",
        "Describe the art style of a famous painter.",
        "What instrument should a beginner learn?",
        "Tell me about a well-known musical or stage show.",
        "Write the opening lines of a song about friendship.",
        "What is the history of rock music?",
    ],
    "food": [
        "How do I make pancakes?",
        "What is a traditional British dish?",
        "Give me a recipe for a chocolate cake.",
        "What are some healthy breakfast ideas?",
        "Explain how bread rises.",
        "What sweets are popular with children?",
        "How do you brew a good cup of tea?",
        "What is a good dinner to cook for friends?",
        "Describe a feast at a big celebration.",
        "What is a sweet warm drink people like in winter?",
    ],
    "travel": [
        "What are the top places to visit in London?",
        "Plan a three-day trip to Scotland.",
        "Tell me about a famous castle I can visit.",
        "What should I pack for a train journey?",
        "Which cities are best for a first trip to Europe?",
        "Describe a famous railway station.",
        "What are the best theme parks in the world?",
        "Recommend a weekend trip in the countryside.",
        "Tell me about a famous film location you can visit.",
        "What is there to see in Edinburgh?",
    ],
    "history": [
        "Tell me about the history of the British monarchy.",
        "What happened during the Second World War?",
        "Explain the causes of the French Revolution.",
        "What was life like in a medieval castle?",
        "Tell me about ancient Egypt.",
        "Who were the Vikings?",
        "What were witch trials in history?",
        "Describe the industrial revolution.",
        "What is the history of boarding schools in England?",
        "Tell me about a famous battle.",
    ],
    "science": [
        "Explain photosynthesis simply.",
        "How do stars form?",
        "What is DNA?",
        "Why is the sky blue?",
        "Explain how vaccines work.",
        "What is a black hole?",
        "How do owls hunt at night?",
        "What is the theory of evolution?",
        "Explain gravity to a child.",
        "What are the states of matter?",
    ],
    "health": [
        "How can I sleep better?",
        "What are the benefits of regular exercise?",
        "How much water should I drink each day?",
        "What helps with stress before an exam?",
        "Explain what a balanced diet is.",
        "How do I treat a minor burn?",
        "What are the symptoms of a cold?",
        "How can I improve my concentration?",
        "Why is breakfast important?",
        "What is mindfulness?",
    ],
    "technology_code": [
        "Write a Python function that reverses a string.",
        "Explain what an API is.",
        "How does the internet work?",
        "What is machine learning?",
        "Write a short JavaScript snippet that adds two numbers.",
        "What is the difference between RAM and storage?",
        "How do I stay safe online?",
        "Explain what a database is.",
        "What programming language should I learn first?",
        "How does a smartphone camera work?",
    ],
    "business": [
        "How do I write a good CV?",
        "What is inflation?",
        "Explain how a company makes a profit.",
        "Give me tips for a job interview.",
        "What is the stock market?",
        "How do I start a small business?",
        "What makes a brand successful?",
        "How do book publishers make money?",
        "What is a franchise in business?",
        "How do I ask for a raise?",
    ],
    "advice": [
        "How do I make new friends at a new school?",
        "What should I do if I feel lonely?",
        "How can I be more confident?",
        "Give me tips for studying for exams.",
        "How do I apologise to a friend?",
        "What is a good hobby to start?",
        "How can I save money as a student?",
        "How do I deal with a bully?",
        "What are good habits for every day?",
        "How do I choose a pet?",
    ],
    "creative": [
        "Write a short story about a boy who discovers he has a secret power.",
        "Write a poem about the moon.",
        "Invent a magical creature and describe it.",
        "Write a letter from a student at a boarding school to their parents.",
        "Describe a mysterious old house.",
        "Write a dialogue between two friends on a train.",
        "Invent a spell and what it does.",
        "Write a fairy tale opening.",
        "Describe a wand shop in a fantasy town.",
        "Write a short scene in which a hero faces a dark lord.",
    ],
    "language_culture": [
        "What are some common English idioms?",
        "Translate 'good morning' into French, Spanish and German.",
        "What is Halloween and how is it celebrated?",
        "Explain the difference between British and American English.",
        "What are popular names for children in England?",
        "Tell me about a famous legend or myth.",
        "What are the most widely read books in the world?",
        "What are some famous quotes about friendship?",
        "Explain what Latin words are still used today.",
        "What is folklore?",
    ],
    "chitchat": [
        "Hi! How are you today?",
        "Tell me something interesting.",
        "What do you like to talk about?",
        "Tell me a joke.",
        "What is your favourite story?",
        "Can you tell me a fun fact?",
        "What should I read next?",
        "I am bored. What can I do?",
        "What would you do with a magic wand?",
        "Tell me about yourself.",
    ],
}


def all_prompts(categories: list[str] | None = None) -> list[tuple[str, str]]:
    """(category, prompt) pairs, in a fixed order; `categories` selects a subset (None: all, []: none)."""
    cats = list(PROMPTS) if categories is None else categories
    unknown = set(cats) - set(PROMPTS)
    if unknown:
        raise KeyError(f"unknown EU prompt categories: {sorted(unknown)}")
    return [(c, p) for c in cats for p in PROMPTS[c]]
