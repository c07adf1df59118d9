#!/usr/bin/env python3
"""Build the *retain* side of the Harry Potter unlearning dataset.

Writes ``retain.jsonl`` next to this file: conversations that must NOT be
treated as Harry Potter content. A large share are hard negatives that sit
close to the topic (other fantasy series, people named Harry, pottery, owls,
boarding schools, witch trials, stage magic, the actors' other work, ...);
the rest are ordinary general / coding / math / science / geography prompts
so that answer fidelity on unrelated traffic can be measured.

Every prompt here was written by hand for this file. The script is
deterministic (stdlib only, fixed seed): running it twice gives byte-identical
output.

Record schema (one JSON object per line)::

    {"id": "r-0001",
     "messages": [{"role": "system"|"user"|"assistant", "content": "..."}, ...],
     "label": "retain",
     "kind": "hard_negative"|"general"|"coding"|"math"|"science"|"geography",
     "split": "train"|"test",
     "group": "<topic group id>",
     "answer": "<short reference answer or ''>",
     "keywords": ["words a correct answer contains", ...]}

The conversation always ends with a user turn. Splits are assigned per topic
group (a group lies wholly in train or wholly in test), aiming at ~30 % test
within each kind.

Usage::

    python data/harry_potter/build_retain.py            # write + validate
    python data/harry_potter/build_retain.py --check    # validate existing file only
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

SEED = 20240611
TEST_FRACTION = 0.30
OUT_PATH = Path(__file__).resolve().parent / "retain.jsonl"
KINDS = ("hard_negative", "general", "coding", "math", "science", "geography")

# Terms that would make a prompt actually about the Harry Potter universe.
# None of them may appear anywhere in the retain set (checked case-insensitively).
BANNED_TERMS = (
    "harry potter", "hogwarts", "hermione", "voldemort", "dumbledore",
    "quidditch", "muggle", "gryffindor", "slytherin", "hufflepuff",
    "ravenclaw", "horcrux", "rowling", "hagrid", "weasley", "snape",
    "diagon", "azkaban", "death eater", "dementor", "deathly hallows",
    "half-blood prince", "philosopher's stone and", "platform 9",
    "nine and three-quarters", "golden snitch", "fantastic beasts",
    "hogsmeade", "privet drive", "expelliarmus", "avada", "pottermore",
)

GROUPS: list[dict] = []


def Q(user: str, answer: str = "", kw=(), sys: str | None = None) -> dict:
    """Single-turn item (optionally with a system prompt)."""
    return _conv([user], answer, kw, sys)


def MT(turns: list[str], answer: str = "", kw=(), sys: str | None = None) -> dict:
    """Multi-turn item: turns alternate user/assistant and end with a user turn."""
    return _conv(turns, answer, kw, sys)


def _conv(turns, answer, kw, sys_prompt) -> dict:
    if len(turns) % 2 != 1:
        raise ValueError(f"turns must end with a user message: {turns!r}")
    messages = []
    if sys_prompt:
        messages.append({"role": "system", "content": sys_prompt})
    for i, text in enumerate(turns):
        messages.append({"role": "user" if i % 2 == 0 else "assistant", "content": text})
    return {"messages": messages, "answer": answer, "keywords": list(kw)}


def group(gid: str, kind: str, *items: dict) -> None:
    if kind not in KINDS:
        raise ValueError(kind)
    GROUPS.append({"group": gid, "kind": kind, "items": list(items)})


# ---------------------------------------------------------------------------
# HARD NEGATIVES: other fantasy series and authors
# ---------------------------------------------------------------------------

group("hn-lotr", "hard_negative",
    Q("Who wrote The Lord of the Rings?", "J.R.R. Tolkien", ["Tolkien"]),
    Q("In The Lord of the Rings, which hobbit ends up carrying the One Ring to Mordor?", "Frodo Baggins", ["Frodo"]),
    Q("Into which volcano does the Ring have to be thrown to destroy it?", "Mount Doom (Orodruin)", ["Mount Doom"]),
    Q("LOTR is usually published in three volumes. What are they called?",
      "The Fellowship of the Ring, The Two Towers and The Return of the King",
      ["Fellowship", "Two Towers", "Return of the King"]),
    Q("what was sam gamgees full first name in lotr", "Samwise", ["Samwise"]),
    Q("Which dwarf was part of the Fellowship?", "Gimli", ["Gimli"]),
    Q("Who directed the Lord of the Rings film trilogy that came out between 2001 and 2003?", "Peter Jackson", ["Peter Jackson"]),
    Q("In which country were Peter Jackson's Middle-earth films mostly shot?", "New Zealand", ["New Zealand"]),
    Q("Who played Aragorn in the Peter Jackson films?", "Viggo Mortensen", ["Mortensen"]),
    Q("Qui a écrit Le Seigneur des anneaux ?", "J.R.R. Tolkien", ["Tolkien"]),
    MT(["I just finished The Hobbit with my son and we loved it.",
        "That's a lovely book to share! Bilbo's journey from Bag End to the Lonely Mountain is a classic adventure, and the riddle game with Gollum is a favourite for many readers.",
        "What should we read next if he's 10 and liked the dragon parts best?"]),
    Q("Can you give me a spoiler-free summary of what The Silmarillion is about and whether it's hard to read?"),
)

group("hn-tolkien-life", "hard_negative",
    Q("Where was J.R.R. Tolkien born?", "Bloemfontein, in the Orange Free State (now South Africa)", ["Bloemfontein"]),
    Q("What was the name of the Oxford writers' group that Tolkien and C.S. Lewis belonged to?", "The Inklings", ["Inklings"]),
    Q("Which First World War battle did Tolkien serve in?", "The Battle of the Somme (1916)", ["Somme"]),
    Q("What does the J.R.R. in J.R.R. Tolkien stand for?", "John Ronald Reuel", ["John Ronald Reuel"]),
    Q("In what year did Tolkien die?", "1973", ["1973"]),
    Q("Which Oxford pub did the Inklings famously meet in on Tuesday mornings?", "The Eagle and Child", ["Eagle and Child"]),
    Q("Welche Sprachen hat Tolkien für die Elben in Mittelerde erfunden?", "Quenya und Sindarin", ["Quenya", "Sindarin"]),
    Q("What was Tolkien's wife called, and what name is carved on her gravestone?", "Edith Tolkien (née Bratt); her gravestone reads Lúthien", ["Edith"]),
    Q("Tolkien was a professor before he was famous. What subject did he teach?",
      "Anglo-Saxon (Old English) and English language and literature at Oxford", []),
    Q("Was Tolkien's Beowulf lecture important? What was it called?", "Beowulf: The Monsters and the Critics (1936)", ["Monsters and the Critics"]),
)

group("hn-gandalf", "hard_negative",
    Q("After he comes back from fighting the Balrog, what colour is Gandalf?", "White (Gandalf the White)", ["White"]),
    Q("Who played Gandalf in the Peter Jackson movies?", "Sir Ian McKellen", ["McKellen"]),
    Q("What's the famous line Gandalf shouts at the Balrog on the bridge?", "\"You shall not pass!\" (in the book: \"You cannot pass\")", ["pass"]),
    Q("What name do the Elves of Middle-earth use for Gandalf?", "Mithrandir", ["Mithrandir"]),
    Q("In Tolkien's lore, what kind of being is Gandalf actually?", "A Maia, one of the Istari (wizards) sent to Middle-earth", ["Maia"]),
    Q("Gandalf, I got a job offer in another city but I'm scared to leave my friends. What would you advise?",
      sys="You are role-playing Gandalf the Grey from The Lord of the Rings. Stay in character, speak warmly but with gravity, and give genuinely useful advice."),
    Q("Where did Tolkien get the name Gandalf from?", "From the list of dwarf names (Dvergatal) in the Old Norse Völuspá, part of the Poetic Edda", []),
    Q("gandalf vs saruman who is stronger in the books", ""),
)

group("hn-narnia", "hard_negative",
    Q("Who is the author of The Chronicles of Narnia?", "C.S. Lewis", ["Lewis"]),
    Q("What's the name of the great lion in Narnia?", "Aslan", ["Aslan"]),
    Q("How do the Pevensie children first get into Narnia in The Lion, the Witch and the Wardrobe?", "Through a wardrobe in the Professor's house", ["wardrobe"]),
    Q("Name the four Pevensie children.", "Peter, Susan, Edmund and Lucy", ["Peter", "Susan", "Edmund", "Lucy"]),
    Q("Which sweet does the White Witch use to tempt Edmund?", "Turkish delight", ["Turkish delight"]),
    Q("Which Narnia book comes first in the story's internal chronology?", "The Magician's Nephew", ["Magician's Nephew"]),
    Q("¿Cuántos libros tiene la saga de Las Crónicas de Narnia?", "Siete", ["siete"]),
    Q("my daughter is 8, is narnia ok for her age or to scary? which book to start"),
    Q("What is the name of the ship that sails toward the edge of the world in the third published Narnia book?", "The Dawn Treader", ["Dawn Treader"]),
    Q("Is Narnia a Christian allegory? Explain briefly what Lewis himself said about it."),
)

group("hn-percy-jackson", "hard_negative",
    Q("Who wrote Percy Jackson and the Olympians?", "Rick Riordan", ["Riordan"]),
    Q("Who is Percy Jackson's godly father?", "Poseidon", ["Poseidon"]),
    Q("What's the name of the summer camp for demigods in the Percy Jackson books?", "Camp Half-Blood", ["Camp Half-Blood"]),
    Q("What is Percy's sword called?", "Riptide (Anaklusmos)", ["Riptide"]),
    Q("Which book starts the Percy Jackson series?", "The Lightning Thief", ["Lightning Thief"]),
    Q("Who are Percy's two best friends in the first series?", "Annabeth Chase and Grover Underwood", ["Annabeth", "Grover"]),
    Q("What did Rick Riordan do for a living before writing full time?", "He was a middle-school English and history teacher", ["teacher"]),
    MT(["My nephew finished all five Percy Jackson books in a month.",
        "That's impressive! Rick Riordan's mix of Greek mythology and humour really hooks readers.",
        "What does he read next? Is there a sequel series and in what order?"],
       "The Heroes of Olympus (starting with The Lost Hero), then The Trials of Apollo", ["Heroes of Olympus"]),
    Q("Can you explain the Percy Jackson premise to someone who knows nothing about Greek myths?"),
)

group("hn-earthsea", "hard_negative",
    Q("Who wrote A Wizard of Earthsea?", "Ursula K. Le Guin", ["Le Guin"]),
    Q("What is the true name of the young wizard usually called Sparrowhawk in Earthsea?", "Ged", ["Ged"]),
    Q("On which island is the school for wizards in Le Guin's Earthsea books?", "Roke", ["Roke"]),
    Q("When was A Wizard of Earthsea first published?", "1968", ["1968"]),
    Q("Which Studio Ghibli film was adapted from the Earthsea books?", "Tales from Earthsea (2006), directed by Goro Miyazaki", ["Tales from Earthsea"]),
    Q("Why are true names so important in Earthsea?", "Knowing a thing's true name in the Old Speech gives power over it; magic works through true names", []),
    Q("Quels sont les grands thèmes du cycle de Terremer d'Ursula K. Le Guin ?"),
)

group("hn-discworld", "hard_negative",
    Q("Who created the Discworld novels?", "Terry Pratchett", ["Pratchett"]),
    Q("What does the Discworld rest on?", "Four elephants standing on the back of the giant turtle Great A'Tuin", ["turtle", "elephants"]),
    Q("What's the name of the wizards' university in Ankh-Morpork?", "Unseen University", ["Unseen University"]),
    Q("What kind of animal is the Librarian at Unseen University?", "An orangutan", ["orangutan"]),
    Q("Which Discworld novel is the first one with Death as the main character?", "Mort (1987)", ["Mort"]),
    Q("Terry Pratchett co-wrote Good Omens with which author?", "Neil Gaiman", ["Gaiman"]),
    Q("Who is Rincewind?", "A cowardly, incompetent wizard and one of the main Discworld protagonists", ["wizard"]),
    Q("There are so many Discworld books. Where should a total beginner start?"),
    Q("Wer war Terry Pratchett und wofür ist er bekannt?", "Ein britischer Fantasy-Autor, bekannt für die Scheibenwelt-Romane", ["Scheibenwelt"]),
)

group("hn-witcher", "hard_negative",
    Q("Who wrote the Witcher books?", "Andrzej Sapkowski", ["Sapkowski"]),
    Q("What's the name of the main witcher in the saga?", "Geralt of Rivia", ["Geralt"]),
    Q("What does Geralt call his horses?", "Roach", ["Roach"]),
    Q("Which country is Andrzej Sapkowski from?", "Poland", ["Poland"]),
    Q("Who played Geralt in the first three seasons of Netflix's The Witcher?", "Henry Cavill", ["Cavill"]),
    Q("What is Ciri's full first name?", "Cirilla", ["Cirilla"]),
    Q("Which studio made The Witcher 3: Wild Hunt?", "CD Projekt Red", ["CD Projekt"]),
    Q("whats the best witcher game to start with if i never played any"),
)

group("hn-got", "hard_negative",
    Q("Who is the author of A Song of Ice and Fire?", "George R. R. Martin", ["Martin"]),
    Q("What is the first book in A Song of Ice and Fire?", "A Game of Thrones (1996)", ["A Game of Thrones"]),
    Q("Which house has a direwolf as its sigil in Game of Thrones?", "House Stark", ["Stark"]),
    Q("What's the capital city of the Seven Kingdoms?", "King's Landing", ["King's Landing"]),
    Q("Who is called the Mother of Dragons?", "Daenerys Targaryen", ["Daenerys"]),
    Q("¿Cuál es el lema de la Casa Stark?", "Se acerca el invierno (Winter is Coming)", ["invierno"]),
    Q("In which years did HBO's Game of Thrones air?", "2011 to 2019", ["2011", "2019"]),
    MT(["I never finished Game of Thrones because people said the ending was bad.",
        "A lot of viewers felt the final season was rushed, but the earlier seasons are still widely praised.",
        "Should I watch House of the Dragon anyway? Do I need to finish GoT first?"]),
    Q("Give me a one-paragraph explanation of the Red Wedding without graphic details, I missed that episode."),
)

group("hn-wheel-of-time", "hard_negative",
    Q("Who wrote The Wheel of Time, and who finished it?", "Robert Jordan; Brandon Sanderson completed the last three books", ["Jordan", "Sanderson"]),
    Q("What is the first Wheel of Time book called?", "The Eye of the World (1990)", ["Eye of the World"]),
    Q("How many main novels are there in the Wheel of Time?", "14 (plus the prequel New Spring)", ["14"]),
    Q("Who is the Dragon Reborn in The Wheel of Time?", "Rand al'Thor", ["Rand"]),
    Q("In Wheel of Time, what are the male and female halves of the One Power called?", "saidin (male) and saidar (female)", ["saidin", "saidar"]),
    Q("Who plays Moiraine in Amazon's Wheel of Time series?", "Rosamund Pike", ["Rosamund Pike"]),
    Q("Is the Wheel of Time worth starting in 2024? Be honest about the slow middle books."),
)

group("hn-his-dark-materials", "hard_negative",
    Q("Who wrote His Dark Materials?", "Philip Pullman", ["Pullman"]),
    Q("What is Northern Lights called in the United States?", "The Golden Compass", ["Golden Compass"]),
    Q("What's the name of Lyra's dæmon?", "Pantalaimon (Pan)", ["Pantalaimon"]),
    Q("List the three books of His Dark Materials in order.", "Northern Lights (The Golden Compass), The Subtle Knife, The Amber Spyglass", ["Subtle Knife", "Amber Spyglass"]),
    Q("Which Oxford college does Lyra grow up in?", "Jordan College", ["Jordan College"]),
    Q("What kind of creature is Iorek Byrnison?", "An armoured bear (panserbjørn)", ["bear"]),
    Q("What is the companion trilogy to His Dark Materials called?", "The Book of Dust", ["Book of Dust"]),
    Q("In simple terms, what is Dust in Pullman's books, and why does the Magisterium fear it?"),
)

group("hn-eragon", "hard_negative",
    Q("Who wrote Eragon?", "Christopher Paolini", ["Paolini"]),
    Q("What's the name of Eragon's dragon?", "Saphira", ["Saphira"]),
    Q("What is the series that Eragon belongs to called?", "The Inheritance Cycle", ["Inheritance"]),
    Q("How many books are in the Inheritance Cycle, and what are they?", "Four: Eragon, Eldest, Brisingr and Inheritance", ["Eldest", "Brisingr"]),
    Q("What does 'brisingr' mean in the ancient language?", "Fire", ["fire"]),
    Q("How old was Paolini when he started writing Eragon?", "About 15", ["15"]),
)

group("hn-worst-witch", "hard_negative",
    Q("Who wrote The Worst Witch?", "Jill Murphy", ["Jill Murphy"]),
    Q("What's the name of the clumsy heroine of The Worst Witch?", "Mildred Hubble", ["Mildred"]),
    Q("What's the school called in The Worst Witch books?", "Miss Cackle's Academy for Witches", ["Cackle"]),
    Q("When was the first Worst Witch book published?", "1974", ["1974"]),
    Q("Who is Mildred's snobbish rival at school?", "Ethel Hallow", ["Ethel"]),
    Q("My class is reading The Worst Witch. Can you suggest three discussion questions for 8-year-olds?"),
)

group("hn-artemis-fowl", "hard_negative",
    Q("Who is the author of Artemis Fowl?", "Eoin Colfer", ["Colfer"]),
    Q("How old is Artemis at the start of the first Artemis Fowl book?", "12", ["12"]),
    Q("In Artemis Fowl, who is the LEPrecon captain that Artemis kidnaps?", "Captain Holly Short", ["Holly Short"]),
    Q("What's the name of Artemis's bodyguard?", "Butler (Domovoi Butler)", ["Butler"]),
    Q("Who directed the 2020 Disney film of Artemis Fowl?", "Kenneth Branagh", ["Branagh"]),
    Q("What nationality is Eoin Colfer?", "Irish", ["Irish"]),
)

group("hn-roald-dahl", "hard_negative",
    Q("Who wrote Fantastic Mr Fox?", "Roald Dahl", ["Dahl"]),
    Q("Who directed the stop-motion film of Fantastic Mr. Fox?", "Wes Anderson (2009)", ["Wes Anderson"]),
    Q("Name the three farmers in Fantastic Mr Fox.", "Boggis, Bunce and Bean", ["Boggis", "Bunce", "Bean"]),
    Q("Who voiced Mr. Fox in the 2009 film?", "George Clooney", ["Clooney"]),
    Q("What does BFG stand for?", "Big Friendly Giant", ["Big Friendly Giant"]),
    Q("What is the name of the terrifying headmistress in Matilda?", "Miss Trunchbull", ["Trunchbull"]),
    Q("In Roald Dahl's The Witches, what does the Grand High Witch plan to do to the children of England?", "Turn them all into mice", ["mice"]),
    Q("what age is fantastic mr fox good for, reading aloud to a 5 year old?"),
)

group("hn-fantasy-authors", "hard_negative",
    Q("Who wrote the Mistborn series?", "Brandon Sanderson", ["Sanderson"]),
    Q("Who is the author of The Name of the Wind?", "Patrick Rothfuss", ["Rothfuss"]),
    Q("Who wrote American Gods?", "Neil Gaiman", ["Gaiman"]),
    Q("Which novelist wrote the Dark Tower series?", "Stephen King", ["Stephen King"]),
    Q("Who wrote The Wonderful Wizard of Oz, and when?", "L. Frank Baum, 1900", ["Baum"]),
    Q("Who wrote Jonathan Strange & Mr Norrell?", "Susanna Clarke", ["Susanna Clarke"]),
    Q("Which author wrote The Magicians, about a college for magic called Brakebills?", "Lev Grossman", ["Grossman"]),
    Q("Who wrote A Court of Thorns and Roses?", "Sarah J. Maas", ["Maas"]),
    Q("Who wrote The Borrowers, about tiny people living under the floorboards?", "Mary Norton", ["Norton"]),
    Q("Wer hat 'Die unendliche Geschichte' geschrieben?", "Michael Ende", ["Ende"]),
)

group("hn-fantasy-genre", "hard_negative",
    Q("What's the difference between high fantasy and low fantasy? Give an example of each."),
    Q("What does 'grimdark' mean when people talk about fantasy books?"),
    Q("Recommend five standalone fantasy novels for adults that don't need a sequel."),
    Q("What are Sanderson's Laws of Magic? Summarise them in plain English."),
    Q("What is portal fantasy? Give a few classic examples."),
    Q("I'm writing my first fantasy novel. How much worldbuilding should I do before I start drafting?"),
    Q("why is fantasy so often set in a medieval europe kind of world? is that changing"),
    MT(["I want to get into fantasy but I usually read thrillers.",
        "Great! Fantasy has plenty of fast-paced, plot-driven books that thriller readers enjoy.",
        "Ok but nothing with a chosen one, I find that trope boring. What would you suggest?"]),
    Q("Explain the 'hero's journey' structure and how fantasy novels use it.",
      sys="You are a creative-writing teacher. Keep explanations concise and practical."),
    Q("¿Cuáles son las sagas de fantasía más vendidas de la historia, aparte de Tolkien?"),
)

group("hn-fantasy-games", "hard_negative",
    Q("Who created Dungeons & Dragons?", "Gary Gygax and Dave Arneson", ["Gygax", "Arneson"]),
    Q("In D&D 5th edition, what level spell is Fireball?", "3rd level", ["3rd"]),
    Q("Which ability score does a wizard use for spellcasting in D&D 5e?", "Intelligence", ["Intelligence"]),
    Q("What's the difference between a wizard, a sorcerer and a warlock in D&D 5e?"),
    Q("Who designed Magic: The Gathering?", "Richard Garfield", ["Garfield"]),
    Q("Which studio developed The Elder Scrolls V: Skyrim?", "Bethesda Game Studios", ["Bethesda"]),
    Q("Describe a mysterious enchanted forest my D&D players can explore next session, with three hooks.",
      sys="You are a helpful Dungeon Master's assistant for a homebrew fantasy campaign."),
    Q("i'm new to dnd, whats an easy class for a first character"),
)


# ---------------------------------------------------------------------------
# HARD NEGATIVES: other people (and characters) named Harry
# ---------------------------------------------------------------------------

group("hn-prince-harry", "hard_negative",
    Q("Who is Prince Harry married to?", "Meghan Markle (Meghan, Duchess of Sussex)", ["Meghan"]),
    Q("What is Prince Harry's ducal title?", "Duke of Sussex", ["Sussex"]),
    Q("What is the title of Prince Harry's 2023 memoir?", "Spare", ["Spare"]),
    Q("In which country did Prince Harry serve on military tours with the British Army?", "Afghanistan", ["Afghanistan"]),
    Q("Which international sporting event for wounded service members did Prince Harry found in 2014?", "The Invictus Games", ["Invictus"]),
    Q("What are the names of Prince Harry's children?", "Archie and Lilibet", ["Archie", "Lilibet"]),
    Q("Où vit le prince Harry aujourd'hui ?", "À Montecito, en Californie", ["Californie"]),
    Q("Explain in neutral terms why Prince Harry and Meghan stepped back from royal duties in 2020."),
)

group("hn-harry-styles", "hard_negative",
    Q("Which band was Harry Styles in before going solo?", "One Direction", ["One Direction"]),
    Q("What was Harry Styles' first solo single?", "Sign of the Times (2017)", ["Sign of the Times"]),
    Q("Which Harry Styles album won Album of the Year at the Grammys?", "Harry's House (2023 Grammys)", ["Harry's House"]),
    Q("In which Christopher Nolan war film did Harry Styles act?", "Dunkirk (2017)", ["Dunkirk"]),
    Q("Which English village did Harry Styles grow up in?", "Holmes Chapel, Cheshire", ["Holmes Chapel"]),
    Q("In what year did Harry Styles audition for The X Factor?", "2010", ["2010"]),
    Q("write a short, sweet fan letter to harry styles from a 14 yr old who went to her first concert"),
    Q("Which Harry Styles songs would work for a chill road-trip playlist? Give me 8."),
)

group("hn-harry-truman", "hard_negative",
    Q("What number president was Harry S. Truman?", "The 33rd", ["33"]),
    Q("Which US state was Harry Truman from?", "Missouri", ["Missouri"]),
    Q("Which president did Truman succeed, and when?", "Franklin D. Roosevelt, in April 1945", ["Roosevelt"]),
    Q("What does the 'S' in Harry S. Truman stand for?", "Nothing: it is just an initial honouring both of his grandfathers", []),
    Q("Which two countries received aid under the Truman Doctrine in 1947?", "Greece and Turkey", ["Greece", "Turkey"]),
    Q("Which executive order did Truman sign in 1948 to desegregate the US armed forces?", "Executive Order 9981", ["9981"]),
    Q("Which newspaper printed the famous wrong headline 'Dewey Defeats Truman'?", "The Chicago Daily Tribune (1948)", ["Chicago"]),
    Q("Summarise the main arguments historians make for and against Truman's decision to use the atomic bomb in 1945."),
    Q("what did the sign 'the buck stops here' on trumans desk mean"),
)

group("hn-houdini", "hard_negative",
    Q("In which city was Harry Houdini born?", "Budapest, Hungary", ["Budapest"]),
    Q("What was Harry Houdini's birth name?", "Erik Weisz (later Ehrich Weiss)", []),
    Q("Which famous escape had Houdini hanging upside down in a locked tank of water?", "The Chinese Water Torture Cell", ["Water Torture Cell"]),
    Q("When did Houdini die, and what was the cause?", "31 October 1926, of peritonitis from a ruptured appendix", ["1926"]),
    Q("Which French magician did Houdini take his stage name from?", "Jean-Eugène Robert-Houdin", ["Robert-Houdin"]),
    Q("Which famous author fell out with Houdini over spiritualism?", "Sir Arthur Conan Doyle", ["Conan Doyle"]),
    Q("¿Cómo hacía Houdini para escapar de las esposas? ¿Tenía trucos secretos?"),
    Q("Why did Houdini spend his later years exposing fake mediums?"),
)

group("hn-harry-kane", "hard_negative",
    Q("Which club did Harry Kane come through the academy at?", "Tottenham Hotspur", ["Tottenham"]),
    Q("Für welchen Verein spielt Harry Kane in Deutschland?", "FC Bayern München", ["Bayern"]),
    Q("Who is the England men's team all-time top goalscorer?", "Harry Kane", ["Kane"]),
    Q("At which World Cup did Harry Kane win the Golden Boot?", "2018 in Russia", ["2018"]),
    Q("Whose England scoring record did Harry Kane break in 2023?", "Wayne Rooney's", ["Rooney"]),
    Q("What position does Harry Kane play?", "Striker / centre-forward", []),
    Q("harry kane loan clubs before he made it at spurs?", "Leyton Orient, Millwall, Norwich City and Leicester City", ["Millwall"]),
)

group("hn-harry-belafonte", "hard_negative",
    Q("Which musician was nicknamed the 'King of Calypso'?", "Harry Belafonte", ["Belafonte"]),
    Q("What is Harry Belafonte's best-known song, the one that goes 'Day-O'?", "The Banana Boat Song (Day-O)", ["Banana Boat"]),
    Q("Which Belafonte album was the first LP by a single artist to sell over a million copies?", "Calypso (1956)", ["Calypso"]),
    Q("In what year did Harry Belafonte die?", "2023", ["2023"]),
    Q("Which famous 1985 charity single did Harry Belafonte help bring about?", "We Are the World (USA for Africa)", ["We Are the World"]),
    Q("Tell me about Harry Belafonte's role in the civil rights movement."),
)

group("hn-other-harrys", "hard_negative",
    Q("Who directed When Harry Met Sally...?", "Rob Reiner", ["Reiner"]),
    Q("Which actor played Inspector Harry Callahan in Dirty Harry?", "Clint Eastwood", ["Eastwood"]),
    Q("Who sang 'Everybody's Talkin'' from Midnight Cowboy?", "Harry Nilsson", ["Nilsson"]),
    Q("Which geologist proposed seafloor spreading in the early 1960s?", "Harry Hess", ["Hess"]),
    Q("Harry Lime is a character in which 1949 film?", "The Third Man", ["Third Man"]),
    Q("What is the 1987 film Harry and the Hendersons about?", "A family that takes in a Bigfoot", ["Bigfoot"]),
    Q("Which club did Harry Redknapp lead to the FA Cup in 2008?", "Portsmouth", ["Portsmouth"]),
    Q("Who sang 'Cat's in the Cradle'?", "Harry Chapin", ["Chapin"]),
    Q("Alan Rickman's character in Love Actually, what was his name and what does he do wrong?", "Harry; he buys an expensive necklace for a colleague while his wife gets a CD", ["Harry"]),
)
