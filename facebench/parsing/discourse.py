"""Reading a description the way a careful person does: what is asserted, set aside, secondary.

:class:`DiscourseMatcher` is the scanner behind the free-text class and attribute parsers
(:mod:`facebench.parsing.synonyms`). It keeps the rules of :mod:`facebench.parsing.matcher`
(tokens, sentences, clauses, negators, statements of absence, longest phrase first) and adds:

* **Negation scope ends at a new predicate.** A negator's scope runs to the end of its clause,
  but a comma, a dash or "and" followed by a new subject or verb ("she", "it's", "her eyes",
  "which", "just", "instead", "looks", "is") closes it: "She isn't smiling, she looks sad" keeps
  "sad"; "no signs of happiness, sadness or anger" still negates all three. So does a comma
  followed by "more" ("Not disgust, more like anger"; after "and" too: "less fear and more
  surprise"), and a comma after "not <mention>" followed by a bare class word that ends its
  clause ("not happy, sad.", "Not neutral, angry."; not "not happy, sad or angry", and never
  after "no": "no happiness, sadness" is a list). An elliptic "Not at all," / "Not really,"
  ends at its comma. A spaced dash ("not happy - sad") ends a clause like ``;``. A run-on
  sentence ends a negation where a new clause starts without a comma: "so" before a subject,
  "there is no", "he's"/"she's" right after the negated class ("no tension so the expression
  is neutral", "he's not mad he's sad"); a checklist of two "no"s ends at a comma before a
  bare class ("no smile no frown, neutral"); so does a comma before a new field ('"emotion":
  "none", "category": "neutral"') and one between parallel conditionals ("surprise if it is
  good news, fear if it's bad"), a comma before a new subject that names the answer ("No
  smile, the inferred emotion is neutral") and one after "not among the options" ("Since
  contempt isn't among the options, disgust"). "Emotion: none (neutral)" is neutral. "n't"
  written without its apostrophe ("isnt") negates.
* **Conclusions**: a bare class after "So", "Thus", "Hence" or "Therefore" (a colon or comma
  between them allowed) that ends a later sentence is the answer, like a closing "Surprise.":
  "It's between anger and disgust. ... So: anger."; "..., so anger."
* **Comparisons**: "less X than Y" and "not so much X as Y" negate X and assert Y ("less than
  happy" negates happy: no mention between "less" and "than").
* **Rejections**: "wrong", "incorrect", "inaccurate", "mistaken", "mistake" and "ruled out"
  right after a copula that follows a mention (a few words at most, see :data:`REJECTING`)
  negate that mention: "neutral is wrong here, she is angry"; "calling it happy would be
  wrong"; "excluded", "eliminated", "not among" and "not one of" too, and after a plural or
  modal copula the whole list that opens the sentence ("Sadness, fear and anger can be
  eliminated"). "not" followed by "correct", "right", "accurate", "fitting", "the case",
  "fit"... is a statement of absence like "not present": "neutral doesn't fit".
* **More negators**, each negating what follows in its scope like "not": "rather than",
  "instead of", "as opposed to", "far from", "anything but", "free of", "no longer", "hardly",
  "barely", "not so much", "less", "exclude", "eliminate", "than" ("more sad than angry"),
  "whether" and "if" ("hard to say whether she is happy or sad" asserts neither). "as if", "if
  anything", "as though" negate nothing. A negated phrase of a class followed by an exception
  ("no emotion other than sadness", "besides", "except") gives way to the exception.
* **Strength of a mention**: every asserted mention gets one of ``ASIDE`` < ``MINOR`` <
  ``PLAIN`` < ``HEADED`` < ``MAJOR`` < ``REVISE`` < ``ANSWER`` (constants of
  :mod:`facebench.parsing.matcher`; ``HEADED``: a field's value, below; ``REVISE``: "actually",
  "on closer inspection", "looking again"). A marker
  (:data:`MARKERS`) gives its strength to the nearest asserted mention in its clause (at most
  :data:`REACH` tokens away; the nearer marker wins, the following mention on a tie):
  "mostly happy, with a hint of surprise" is happy ``MAJOR``, surprise ``MINOR``; "anger at
  first ... actually disgust" is anger ``ASIDE``, disgust ``MAJOR``. A marker that ends its comma
  part after an asserted mention marks that mention only: "happy at first, then sad" sets
  happy aside, "angry in the thumbnail, disgusted at full size" is disgust. Without a marker a mention
  is ``PLAIN``, or ``ASIDE`` in a concessive clause (although, though, while, whereas, even
  though, despite, albeit; one that opens its sentence ends at the first comma: "Although there
  is some fear, the dominant emotion is surprise"). "though" before a comma or at its clause's
  end is the adverb and concedes nothing ("On a closer look, though, she is sad"). A first,
  quick or small view ("in the thumbnail", "at a quick glance"), an earlier read taken back
  ("my earlier guess of fear") and what people in general say ("people often label this as
  disgust") are ``ASIDE``; a second, closer look ("at full size", "on further inspection")
  is ``MAJOR``. Every mention in a question ("Is she
  angry?") is ``ASIDE``. A marker of :data:`OTHER_PEOPLE` ("the photographer", "the person
  next to her", "the child behind her", "others") sets aside the mention that *follows* it,
  up to a word for the person asked about ("the crowd makes her anxious" is hers). Between
  ``ANSWER`` and another marker on one mention, ``ANSWER`` wins. An alternative that is no
  class ("happy or just being polite", "angry or simply tired") sets the class aside.
* **Retractions** (:data:`RETRACTING`: "Correction:", "I'll revise that to", "scratch that",
  "I take that back", "on second thought") set aside every mention before them, in earlier
  sentences too, and make the next mention ``MAJOR`` over a nearer marker other than ``ASIDE``
  ("Surprise. Correction: she is mildly angry" is anger); a negated one ("no correction
  needed") takes nothing back. "X, or rather Y" corrects within its clause: X is set aside. "Some would call it X" (and "one might label", "others would
  read"...) is ``ASIDE``; "I'll go with X" and a "Conclusion:" heading are ``ANSWER``.
* **Answers and fields**: an ``ANSWER`` marker marks the first class after it and every class
  joined bare to it ("Answer: happiness / anger", "Final answer: mixed (fear/sadness)" are
  ties; "surprise over fear", "surprise, fear a close second" and "happy, sad, neutral (in
  that order)" are the first); with none after it, the nearest before it. A field name of
  :data:`HEADINGS` that opens its line or sentence and is followed by a colon ("Label: fear",
  "Classification: neutral", '"emotion": "happy"') gives ``HEADED`` (between ``PLAIN`` and
  ``MAJOR``) to the class that starts its value, after degrees only (:data:`_FIELD_FILLERS`;
  "Result: the model predicts sad" marks nothing), and to the classes joined bare to it. In its
  own value a nearer degree or "mostly" outranks it ("Expression: slight smile, mostly
  neutral"); a later field, second look or answer marker replaces it. Mid-sentence the field
  words mark nothing and the colon stays a clause mark ("no fear in the expression: ...").
  "also" in "angry and also happy" adds a class of equal weight, not a secondary one ("also a
  bit surprised" is secondary by "bit").
* **General statements**: "both X and Y" (or "X and Y both") followed by a verb of
  :data:`GENERIC_VERBS` ("involve", "share", "have") speaks of the classes, not of this face:
  both are ``ASIDE``. A class the face is compared against ("differs from X", "different
  from X", "sets it apart from X") is negated, like "unlike X".
* **Two people contrasted**: "while", "whilst" or "whereas" after a clause whose mention an
  :data:`OTHER_PEOPLE` marker set aside concedes nothing: "a crowd in the background looks
  angry, while the woman looks calm" is neutral.
* **Who the emotion belongs to**: animals, figures and pictured faces (:data:`PICTURED`: "the
  dog", "the emoji on his shirt", "the mascot", "the painting on the wall"; a pictured thing
  only where it is placed: "The icon is smiling" may be the image itself) set aside the mention that follows them like :data:`OTHER_PEOPLE` (not as
  objects: "mad about horses"); "people/friends <verb>ing behind/around him" are others too;
  a word for the person asked about after a contrast (:data:`SUBJECT`: "but the man himself",
  "the person in focus", "in the foreground", "his actual face") sets aside the sentence's
  mentions before it. A figure may follow an adjective or another figure word at the start of
  its clause ("the cartoon character on the poster", "a cute dog in the corner"); "But you
  asked about the person: ..." retracts what came before.
* **Alternatives and ties**: a comma list ended by "or" ("happy, sad, or angry") is offered
  whole; so are "between X and Y", "a mix (mixture, blend) of X and Y" and a closing "X and
  Y, both."; "X, or rather Y" corrects X. A sentence that opens with "Or" continues the one
  before ("She looks happy. Or maybe sad." offers both; "Or disgusted?" too), unless it is a
  question naming no class ("Or is he
  just tired?"); "Or" before a correcting word (:data:`_OR_CORRECTS`: "Or, more precisely,
  afraid", "Or wait, disgusted") corrects like "or rather". A marker right after a negator marks nothing ("neither dominates").
  An "or" between a class and a state that is no class and not close to it (``states`` of
  ``synonyms/non_mentions.yaml``: "tired", "grimace", "embarrassed") leaves the class
  unsettled, the state on either side ("sad or tired", "a grimace or a smile", "mid-shout or
  mid-laugh"; not "happy or excited"); so does a class said to be such a state ("that grin is
  a nervous grimace"). A degree said of a mention before its copula marks that mention ("the
  smile is faint and the eyes are teary").
* **Conditionals and earlier reads**: "X would be my guess if not for ..." (:data:`BUT_FOR`),
  a sentence that opens "Had ... been", "she'd look X if ...", "I'd said X", "my earlier X"
  and "I first leaned toward X" set X aside; "that was wrong" and "that changes my mind"
  retract like "Correction:", and so does a field :data:`RETRACTING_FIELDS` before a class
  ("Emotion: happiness -> corrected: sadness"). A question the writer answers "Yes" is
  asserted. "X would <verb>" is said of the class in general ("Fear and surprise would show
  widened eyes"), not after a verb of labelling ("Sad would describe her best"). An item of a
  numbered list ("1. fear / surprise (tied) 2. neutral") is no closing bare-class answer, and
  "surprise: n/a" rules the class out.
* **Clause marks**: a colon ends a negation ("this isn't anger: the raised lip makes it
  disgust"; a concessive right after it ends at its comma, and a concession ends at a colon:
  "Not anger, even though the brows are lowered: the curled lip is disgust"; an opening "If I
  had to pick a category," ends at its comma), so do an em dash and an arrow
  ("no raised brows -> neutral"), and a comma before a verb of what cues do ("with no smile
  anywhere, suggest anger"). "so much as" ends one ("not angry so much as repulsed");
  "barely contained rage" is rage. "rather" after a verb of looking is a degree ("looks
  rather annoyed"), not a correction.
* **Misspellings**: a word that is no synonym, no marker and no common English word
  (:data:`facebench.parsing.synonyms.real_words`) is read as a single-word synonym of 4+
  letters when it starts with the same letter and is within edit distance 1 (2 from 8 letters
  on; optimal string alignment, so "anrgy" is one edit) of synonyms of exactly one key.
  Three-letter words are never corrected nor targets (neither are their plurals: "sadd" is
  no "sads"), so "sad"/"mad" can never swap ("feer" is fear, "caln" calm), and neither is a
  word of any shipped list (:func:`facebench.parsing.synonyms.list_words`: RAF-DB has no
  contempt class, and "contempt" is not a misspelt "content").

Phrases that stand for nothing (``ignore``, e.g. "content of" so "the content of the image" is
not happiness) are consumed like idioms. How the parser decides from strengths is in
:mod:`facebench.parsing.synonyms`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from rapidfuzz import process
from rapidfuzz.distance import OSA

from facebench.parsing.matcher import (
    ANSWER,
    ASIDE,
    MAJOR,
    MINOR,
    NEGATORS,
    PLAIN,
    HEADED,
    REVISE,
    Hit,
    PhraseMatcher,
    Scan,
    phrase_key,
)
from facebench.parsing.text import fold_unicode

#: marker phrase -> the strength it gives the nearest mention (compared after tokenising, so
#: articles are dropped: "a hint of" is "hint of")
MARKERS: dict[int, tuple[str, ...]] = {
    ANSWER: (
        "answer", "final answer", "my answer", "in conclusion", "to conclude", "in summary",
        "to summarize", "to summarise", "to sum up", "all in all", "in short", "therefore",
        "thus", "hence",
        "verdict", "final verdict", "conclusion is", "my conclusion", "i conclude",
        "putting this together", "putting it together", "putting it all together",
        "putting everything together", "putting all this together", "taken together",
        "all things considered", "on balance", "so the expression is", "so the emotion is",
        "final", "final label", "final pick",
        # a heading ("Conclusion: fear") and the writer's pick ("I'll go with anger")
        "conclusion", "ill go with", "i will go with", "id go with", "i would go with",
        "im going with", "i am going with", "going with", "picking",
        # a forced pick: "A mix of happiness and surprise; if I must pick one, happiness."
        "if i must pick one", "if i must pick", "if i had to pick one", "if i have to pick one",
        "if i must choose one", "if i had to choose one", "if i had to name one",
        "if i must name one", "if i have to name one", "if i had to settle on one",
        "if i must settle on one", "if i have to settle on one",
        "choosing", "i pick", "id pick", "i choose", "id choose", "top pick", "my pick",
    ),
    MAJOR: (
        "mostly", "mainly", "primarily", "predominantly", "largely", "chiefly", "principally",
        "dominant", "dominantly", "predominant", "dominated by", "main", "primary", "principal",
        "prevailing", "overriding", "strongest", "most prominent", "most evident",
        "most noticeable", "overall", "ultimately", "really", "truly",
        "genuinely", "rather", "instead", "more like", "closer to",
        "leaning towards", "leaning toward", "leans towards", "leans toward", "leaning",
        "leaning to", "best described as",
        "better described as", "better classified as", "best classified as", "most defensible",
        "best choice", "best fit", "best match", "fits best", "fit best", "works best",
        "matches best", "emotion id report is", "emotion i would report is", "closest match",
        "best matches", "strongest match", "top match", "most fitting", "most appropriate", "most plausible",
        "most probable", "feeling is", "id label it",
        "i would label it", "id call it", "i would call it", "id classify it as",
        "i would classify it as", "id label this", "id call this",
        "most likely", "above all",
        "more of", "more so", "masking", "hiding", "hides", "concealing",
        "conceals", "overwhelmingly", "overwhelming", "first and foremost", "foremost",
        "essentially", "basically", "fundamentally", "at its core", "at heart",
        "for most part", "more than anything", "most of all", "most pronounced",
        "more pronounced", "more prominent", "more evident", "dominates", "dominating",
        "prevails", "key emotion", "core emotion", "central emotion", "inwardly", "deep down",
        "strongest candidate", "best candidate", "top candidate", "leading candidate",
        "most likely candidate", "more weight", "most weight", "greater weight",
        "alone", "tips it to", "tips it toward", "tips it towards", "tips balance toward",
        "tips balance towards", "tips balance to", "tips scale toward", "tips scales toward",
    ),
    # a second, closer look ("at full size", "on further inspection") or the writer correcting
    # itself ("Actually, ..."): a later sentence with one corrects a plain first sentence
    REVISE: (
        "actually", "in fact", "in reality", "on closer inspection", "upon closer inspection",
        "on closer look", "looking closer", "closer look", "more accurately", "more precisely",
        "at full size", "full size", "at full resolution", "full resolution", "zoomed in",
        "when zoomed in", "up close", "on second look", "second look", "on second glance",
        "at second glance", "second glance", "on reflection", "upon reflection",
        "looking again", "looking more carefully", "on further inspection",
        "upon further inspection", "further inspection", "on closer examination",
        "upon closer examination", "closer examination",
        # the writer stops to look again: "Happiness.\nBut wait: ... she is sad."
        "but wait",
        # a clip watched again
        "on rewatching", "rewatching", "on rewatch", "on second viewing", "on second watch",
        "on replay", "watching again", "on repeated viewing",
    ),
    MINOR: (
        "hint", "hints", "touch", "touches", "trace", "traces", "tinge", "bit", "little", "can",
        "alternatives", "distant second", "runner up", "second choice", "second pick",
        "pick second",
        "slight", "slightly", "mild", "mildly", "somewhat", "subtle", "subtly", "faint",
        "faintly", "undertone", "undertones", "secondary", "minor", "some", "glimmer",
        "flicker", "might", "may", "could", "possibly", "perhaps",
        # a class only allowed for: "fear is also possible", "(surprise is also a possibility)"
        "possible", "plausible", "possibility", "also possible", "also plausible",
        "maybe", "potentially", "partly", "partially", "mixed with", "element of",
        "elements of", "followed by", "lesser extent", "secondarily", "to some extent",
        "occasional", "sort of", "kind of", "tiny", "small amount of", "degree of",
        "tinged with", "tinged by", "laced with", "touched with", "shade of", "shades of",
        "note of", "notes of", "undercurrent", "undercurrents", "undercurrent of", "streak of",
        "dash of", "lesser degree", "smaller degree", "smaller extent", "less so",
        "runner up", "second choice", "second place", "second most likely", "alt", "backup",
        "alternative", "alternatively",
        "bordering on", "verging on", "edging toward", "edging towards", "on verge of", "whiff",
        "whiff of", "vaguely", "marginally", "tad", "slightest",
    ),
    ASIDE: (
        "at first", "at first glance", "first glance", "at first sight", "initially",
        "on surface", "superficially", "mistaken for", "misread as", "might think",
        "one might think", "would expect", "could be read as", "some might say",
        "one might say", "some would say", "might say", "might assume", "could be confused with",
        "resemble", "resembles", "confused with", "confused for", "mistake for",
        "confuse this with", "confuse it with", "confused this with", "mistake this for",
        "mistake it for",
        "mistaken as", "taken for", "mixed up with", "considered", "i considered", "considering",
        # a class nearly chosen: "Surprise is a close call given the raised brows, but ..."
        "close call",
        "first impression", "first thought", "first instinct", "initial impression",
        "initial thought", "tempted to say", "made me think of", "first leaned",
        "initially leaned", "first leaning", "forcing", "forces",
        # a hypothetical look ("she'd look scared if her brows were drawn together")
        "would look", "would have looked", "would appear", "would seem", "shed look",
        "hed look", "theyd look", "i first read", "first read", "forced", "fake", "faked", "feigned",
        "pretend", "pretends", "pretending", "pretended",
        # a quick or small view, before a closer one ("it reads as happy in the thumbnail")
        "in thumbnail", "at thumbnail size", "thumbnail", "at glance", "at quick glance",
        "quick glance", "zoomed out",
        # an earlier read the writer corrects ("I'd correct my earlier guess of fear")
        "earlier guess", "previous guess", "initial guess", "first guess", "original guess",
        "earlier answer", "previous answer", "initial answer", "first answer",
        "original answer", "earlier reading", "previous reading", "initial reading",
        "first reading", "i said earlier", "i previously said", "id said", "i had said",
        "was going to say", "id have said", "i would have said", "my earlier", "my previous",
        "my initial", "my original",
        # people in general ("People who are angry sometimes raise their upper lip too")
        "people who are", "someone who is", "person who is", "those who are",
        # what people in general say of such a look ("people often label this as disgust")
        "people often", "people usually", "people typically", "people commonly",
        "people sometimes", "many people", "most people", "some people", "often labeled",
        "often labelled", "commonly labeled", "commonly labelled", "usually labeled",
        "usually labelled", "often called", "commonly called", "often read as",
        "often taken for", "often taken as", "often mistaken for", "commonly mistaken for",
        # what some would call it, before the writer's own call ("some would call it disgust")
        *(f"{who} {modal} {verb}" for who in ("some", "one", "many", "others")
          for modal in ("would", "might", "may", "could")
          for verb in ("call", "label", "read", "describe", "say", "see")),
    ),
}
#: code of the markers below: they set aside the mention that *follows* them in their clause
OTHER = -1
#: codes of marks that set aside every mention before them in their clause (a retraction:
#: :data:`RETRACTING`) and the two classes of a "both X and Y" said in general
_RETRACTED, _GENERIC = -2, -3
#: code of the ``MAJOR`` mark a retraction gives the next mention: it wins over a nearer
#: marker other than ``ASIDE`` ("Correction: she is mildly disgusted" is disgust)
_CORRECTED = -4
#: animals in the picture, :data:`OTHER_PEOPLE` markers when they are the subject: "the dog
#: looks happy, but the girl holding it appears scared" (not "mad about horses and grinning")
ANIMALS = ("dog", "dogs", "puppy", "puppies", "cat", "cats", "kitten", "kittens", "pet", "pets",
           "horse", "horses", "parrot", "bird", "birds")
#: things that carry a pictured face: "the painting on the wall shows a weeping woman", "the
#: balloon in her hand has a smiley face" (not "picture" or "photo": that is the image)
PICTURED = ("painting", "portrait", "poster", "sticker", "balloon", "mask", "costume", "mural",
            "drawing", "sketch", "billboard", "shirt", "tshirt", "logo", "icon", "emoticon",
            "graffiti", "mannequin", "sculpture", "avatar", "illustration", "figure", "graphic",
            "print")
#: animals and figures a mention right before describes ("a laughing cat", "a grinning clown")
_FIGURES = frozenset((*ANIMALS, "emoji", "cartoon", "character", "mascot", "doll", "puppet",
                      "statue", "figurine", "teddy", "bear", "clown", "toy", "robot",
                      *PICTURED))
_FIGURE_GAP = frozenset(("looking", "face", "faced"))
#: others who are someone else only as the subject of their clause ("Behind her, a stranger
#: scowls"; not "she looks at the stranger with fear")
_STRANGERS = frozenset(("stranger", "strangers"))
#: people in the picture a mention right before describes ("a smiling crowd", "laughing onlookers")
_GROUPS = frozenset(
    "crowd audience onlookers onlooker bystanders bystander spectators spectator passersby "
    "passerby photographer cameraman stranger strangers".split())
#: words that may stand before a figure at the start of its clause ("the cartoon character on
#: the poster", "a cute dog in the corner")
_FIGURE_WORDS = _FIGURES | frozenset(
    "cute little small tiny big giant huge stuffed fluffy old young black white brown grey gray "
    "toy plush painted".split())
#: a pictured thing is someone else only where it is placed ("the poster on the wall shows a
#: screaming man", "the mask itself"); "The icon is smiling" may be the image itself
_PICTURED = frozenset(PICTURED)
_PLACED = frozenset("on in at behind beside next near by above over under itself".split())
#: prepositions after which a person word is where something is ("the puppy on her lap looks
#: thrilled"), not the person asked about
_LOCATING = frozenset("on in at by under with behind beside near around".split())
#: before a group, these make it a place or an object, not the subject ("in a crowd")
_GROUP_PLACES = _LOCATING | frozenset(
    "of among amid amidst through before facing into against toward towards past".split())
#: ... unless the clause goes on about the group: "among onlookers, who look shocked"
_GROUP_RELATIVES = frozenset("who which that whose all some most many each everyone they them its "
                             "their".split())
#: a structured answer's empty value after a marker ('"primary": null')
_EMPTY_VALUES = frozenset(("null", "none", "nan"))
#: a subject with its verb, in one word ("he's" without its apostrophe): a new clause
#: states that are another facial action, not a quality: a class said to be one is no class
#: ("that grin is a nervous grimace", "her smile is polite"; not "her smile is shy")
_ACTIONS = frozenset(
    "grimace grimaces grimacing wince wincing squint squinting pout pouting yawn yawning sneeze "
    "sneezing sneer sneering scream screaming shout shouting yell yelling polite posing".split())
#: last words of markers that name a match ("best match", "best fit")
_MATCH_WORDS = frozenset(("match", "matches", "fit", "choice"))
#: words that negate a state after them ("or at least not tired")
_NEGATING_WORDS = frozenset(("not", "no", "never", "hardly", "barely"))
#: what joins the classes a "ruled out" takes ("surprise and fear ruled out"), or goes on
#: with them after a comma ("Ruling out anger, disgust, and fear, ...")
_RULED_JOINERS = frozenset((",", "and", "or", "nor", "also", "as", "well"))


def _exception_after(toks: list[str], k: int) -> int:
    """The length of the exception that opens at ``toks[k]`` after a phrase like "no emotion"
    ("besides", "except", "other than", "apart from"; "verbally"; "... I can read"), 0 when
    none does: the phrase then names no class."""
    if k >= len(toks):
        return 0
    if toks[k] in ("besides", "except", "beyond", "but", "verbally", "vocally", "aloud"):
        return 1  # ("not expressing any emotion verbally, but his face is twisted in anger")
    return 2 if toks[k : k + 2] in (["other", "than"], ["apart", "from"], ["aside", "from"],
                                    ["save", "for"], ["except", "for"], ["i", "can"],
                                    ["i", "could"], ["that", "i"], ["can", "be"],
                                    ["could", "be"]) else 0


def _freed(toks: list[str], k: int) -> bool:
    """True when the mention that ends before ``toks[k]`` is said to be absent: "anger-free"."""
    return k < len(toks) and toks[k] == "free"


def _joins_ruled(gap: list[str]) -> bool:
    """True when the words between two classes join them into one list ("surprise and fear
    ruled out"); nothing between them ("surprise (fear ruled out)") joins nothing."""
    return bool(gap) and all(t in _RULED_JOINERS for t in gap)


#: an opening phrase that rules out only its own classes ("Excluding anger, the most likely
#: expression is disgust", "After ruling out surprise, ...")
_RULING = frozenset(("ruling", "rule", "ruled", "excluding", "eliminating", "excluded", "eliminated"))
#: the past participles that reject the mention before their copula ("fear is ruled out")
_RULED = frozenset(("ruled", "excluded", "eliminated"))
#: what may open a sentence before "ruling out" ("After ruling out", "Once I rule out")
_RULING_OPEN = frozenset(("after", "having", "once", "by", "on", "upon", "when", "if", "first"))
#: what says a class after the comma is the answer, not one more class ruled out ("Ruling out
#: surprise, fear is the answer"; not "Ruling out surprise, fear and anger, ...")
_RULED_VERBS = frozenset(("is", "seems", "remains", "remain", "fits", "wins", "stands", "looks",
                          "best", "left", "it", "appears", "emerges", "dominates", "prevails",
                          "most"))
_SUBJECT_IS = frozenset("shes hes theyre im youre".split())
#: what a new subject names when it gives the answer: "No smile, the (likely) emotion is neutral"
_ANSWER_NOUNS = frozenset(("emotion", "label", "answer", "mood", "feeling", "classification",
                           "category", "prediction", "verdict", "state"))
#: ... and the verb after it
_ANSWER_VERBS = frozenset("is are was were be seems seem appears looks reads remains might may "
                          "could would must".split())
#: words between a field's "none" and the class that glosses it ("none (i.e., neutral)")
_NONE_GLOSS = frozenset(("i", "e", "ie", ",", "visible", "detected", "shown", "meaning", "so",
                         "just"))
#: what a class "is not among": the set of labels ("contempt isn't among the options, so ...")
_OPTION_NOUNS = frozenset(("options", "option", "choices", "choice", "labels", "categories",
                           "classes", "list"))
#: nouns that join two classes as equal parts, like "between"
_MIXES = ("mix", "mixture", "blend")
#: words of a first sentence that the whole answer must weigh (two people "on the left" and
#: "on the right", "a mix of", two feelings "at the same time"): no plain sentence
_WHOLE_ANSWER = frozenset((*_MIXES, "left", "combination", "same", "simultaneous",
                           "simultaneously", "starts", "started", "starting", "begins", "began",
                           "beginning"))
#: a conclusion's opening word: "So: anger." (a bare class after it is the answer)
_CONCLUDING = frozenset(("so", "thus", "hence", "therefore"))
#: the words the checks at the top of the scan look at (with the states of no class)
_WATCHED = (frozenset(("were", "had", "would", "there", "over", "too", "against")) | _SUBJECT_IS
            | _CONCLUDING | _WHOLE_ANSWER)
#: a marker's key that holds a number, not a class ('"primary_confidence": 0.64')
_SCORE_KEYS = frozenset(
    "confidence confidences conf score scores probability prob likelihood intensity weight "
    "share percent percentage".split())
#: "a sad person would ...", "a neutral label would ...": the class talked of, not the face's
_HYPOTHETICAL_NOUNS = frozenset("person people face faces label expression look".split())
#: after "<class> would" these call this face by the class ("Sad would describe her best",
#: "Happy would work"): not said of the class in general
_WOULD_LABEL = frozenset(
    "be describe work seem fit suit apply capture sum match fits best probably likely definitely "
    "certainly say call label explain cover make characterize characterise radiate account "
    "summarize summarise".split())
#: the main clause after an "if" clause is hypothetical when it opens with one of these
_WOULD = frozenset("would id shed hed theyd itd youd wed".split())
#: ... unless the "if" clause only hedges the writer's own call ("If I had to guess, I'd say")
_HEDGING_IF = frozenset("ask honest guess pick choose forced pressed must i we you me us".split())
#: verbs of looking: "rather" after one is a degree ("looks rather annoyed"), not a correction
_LOOKING = frozenset(
    "is are was were be been seems seem seemed looks look looked looking appears appear appeared "
    "feels feel felt feeling gets got becomes became".split()
)
#: an animal or figure is someone else only as the subject of its clause: at its start, and
#: before a verb of looking or a place ("The dog looks happy", "the mascot behind her grins")
_CLAUSE_OPEN = frozenset((",", ";", "-", ":", "\n", "and", "but", "while", "whereas", "yet"))
_FIGURE_NEXT = _LOOKING | frozenset(
    "in on at behind beside next near by sitting standing wagging barking grinning smiling "
    "laughing itself".split())
#: people other than the one whose face is asked about: "The photographer is laughing, but
#: the man looks angry"; "the person next to her is smiling" (a mention before them is kept:
#: "she smiles at the photographer")
OTHER_PEOPLE = (
    "photographer", "cameraman", "camerawoman", "bystander", "bystanders", "onlooker",
    "onlookers", "crowd", "audience", "spectator", "spectators", "passerby", "passersby",
    "passer by", "next to her", "next to him", "next to them", "beside her", "beside him",
    "beside them", "in background", "in back", "at back", "in rear", "someone else", "others",
    "everyone else", "stranger", "strangers", *ANIMALS,
    # figures that can wear an expression of their own ("the emoji on his shirt is smiling")
    "emoji", "cartoon", "character", "mascot", "doll", "puppet", "statue", "figurine", "teddy",
    "teddy bear", "bear", "clown", "toy", "robot", *PICTURED,
    # a relative or companion of the person: "His friend looks surprised. He looks happy."
    *(f"{whose} {who}" for whose in ("his", "her", "their")
      for who in ("friend", "friends", "mother", "father", "mom", "dad", "mum", "sister",
                  "brother", "baby", "child", "children", "kid", "kids", "son", "daughter",
                  "partner", "colleague", "colleagues", "wife", "husband", "boyfriend",
                  "girlfriend", "dog", "cat", "puppy", "kitten", "parents", "grandmother",
                  "grandfather", "teammate", "teammates", "companion")),
    *(f"{other} {who}" for other in ("other", "another")
      for who in ("person", "people", "man", "woman", "men", "women", "child", "children", "kid",
                  "kids", "boy", "girl", "baby", "guy", "lady", "one", "face")),
)
#: words for the person the question is about, said to tell them apart from someone or something
#: named before a contrast: "the referee is calm, but the player - the person in focus - is
#: enraged"; "the balloons look happy, but the man himself is gloomy". Mentions of the
#: sentence before the contrast are set aside (no contrast before them: nothing is)
SUBJECT = (
    "person in focus", "person in question", "person question is about", "person asked about",
    "one asked about", "main subject", "subject of photo", "subject of image",
    "subject of picture", "in foreground", "himself", "herself", "his own face",
    "her own face", "their own face", "own face", "own expression", "actual face",
    "actual expression", "real face",
)
#: "<person> behind/around/near" ("the child behind her is laughing") is an
#: :data:`OTHER_PEOPLE` marker too (keyed on the preposition: "person" is in most answers)
OTHER_PLACES = ("behind", "around", "near")
PEOPLE_NOUNS = frozenset(
    "person people man woman men women child children kid kids boy girl baby someone friend "
    "friends guy lady everyone everybody guests family relatives colleagues coworkers "
    "classmates teammates players fans strangers passengers students parents".split()
)
#: most tokens between a marker and the mention it marks
REACH = 8
#: ``ASIDE`` markers (by their last word) that mark only a mention right after them: "a forced smile",
#: "I considered a slight sadness", "pretending to be calm" (not "I considered the cues and
#: she is sad"); without one after, the nearest before as usual ("the smile looks forced")
SHORT_REACH = {"forced": 2, "fake": 2, "faked": 2, "feigned": 2, "considered": 3, "considering": 2,
               "forcing": 3, "forces": 3,
               "pretend": 3, "pretends": 3, "pretending": 3, "pretended": 3}
#: phrases that negate what follows, as "not" does (discourse matchers only)
NEGATING = (
    "rather than", "instead of", "as opposed to", "far from", "anything but", "free of",
    "free from", "absence of", "devoid of", "no longer", "hardly", "barely", "scarcely", "zero",
    "not so much", "less", "than", "whether", "if", "unlike", "other than", "nothing like",
    "ruled out", "rule out", "rules out", "ruling out", "furthest thing from", "farthest thing from",
    "exclude", "excludes", "excluded", "excluding", "eliminate", "eliminates", "eliminated",
    "eliminating",
    # a class the face is compared against ("this differs from surprise in the brows")
    "differs from", "differ from", "different from", "distinct from", "distinguishes it from",
    "distinguish it from", "sets it apart from", "set it apart from",
    # "Nobody would call that a happy face"
    "nobody would call", "no one would call", "nobody would describe", "no one would describe",
    "nobody would say", "no one would say",
)
#: the writer takes back what came before ("Surprise. Correction: it's anger"; "I'll revise
#: that to sadness"): every mention before it is set aside, the next one is ``MAJOR``
RETRACTING = (
    "correction", "revise", "revised", "revising", "scratch that", "take that back",
    "just kidding", "only kidding",
    "take it back", "taking that back", "correcting myself", "let me correct",
    "change my answer", "changing my answer", "stand corrected", "on second thought",
    "on second thoughts",
    # the writer rejects its own earlier read ("I first read it as anger; that was wrong")
    "that was wrong", "that is wrong", "thats wrong", "that was incorrect", "that is incorrect",
    "thats incorrect", "that was mistake", "i was wrong", "change my mind", "changed my mind",
    "i misread", "sorry, i misread", "my mistake", "my bad",
    "changes my mind", "wait, no", "no, wait", "no wait",
)
#: "But you asked about the person: ..." turns from something else in the picture to the face
#: asked about, like a retraction (a field: only before a colon and a class)
TURNS_TO_SUBJECT = tuple(f"you asked about {who}" for who in (
    "person", "face", "expression", "subject", "woman", "man", "girl", "boy", "child"))
#: field names that retract what came before them when a class follows ("Emotion: happiness
#: -> corrected: sadness"; not "Confidence updated: 0.9")
RETRACTING_FIELDS = ("corrected", "revised", "updated", "amended")
#: a list of candidates offers every class after it in its clause, asserting none
#: ("Candidates: happiness, surprise. Picking happiness.")
CANDIDATES = ("candidates", "candidate", "options", "two options", "possible labels",
              # the options restated: "The question asks me to choose between surprise, fear,
              # ...": a list when a class follows at once
              "choosing from", "choose from", "choosing between", "choose between",
              "possibilities", "contenders", "shortlist",
              *(f"{list_name} considered" for list_name in ("candidates", "options", "labels",
                                                            "classes", "possible labels")))
#: a field name that opens its line or sentence and is followed by a colon names the answer
#: ("Label: fear", "Classification: neutral", "Affective state: happiness", '"emotion": "happy"')
#: and marks the class right after it as ``ANSWER``; elsewhere ("secondary emotion: fear", "the
#: expression: tense") the words mark nothing
HEADINGS = (
    "label", "emotion", "expression", "facial expression", "emotion label", "expression label",
    "predicted emotion", "predicted expression", "predicted label", "predicted class",
    "prediction", "class", "category", "emotion category", "expression category",
    "classification", "result", "output", "affective state", "emotional state",
    "detected emotion", "recognized emotion", "recognised emotion", "overall emotion",
    "overall expression", "emotion class", "assessment", "diagnosis", "overall", "update",
    "top emotion", "primary emotion", "main emotion", "dominant emotion",
)
#: how far a heading reaches: "Emotion: mildly happy", not a whole sentence after it
HEADING_REACH = 3
#: a class word before one of these describes a feature ("smiling mouth", "sad eyes")
_FEATURE_NOUNS = frozenset(
    "mouth eyes eye brows brow eyebrows eyebrow lips lip cheeks cheek forehead jaw chin nose "
    "corners gaze".split()
)
#: the words that may stand between a heading and its class: degrees and hedges
_FIELD_FILLERS = frozenset(
    "very quite really clearly definitely obviously extremely deeply truly genuinely simply "
    "most mostly mainly largely predominantly primarily overall essentially basically slight "
    "slightly mild mildly bit little somewhat subtle subtly faint faintly moderate moderately "
    "strong strongly intense intensely fairly pretty rather kind sort of more less hint touch "
    "trace tinge mixed possibly probably likely perhaps maybe".split()
)
#: "X would be my guess if not for Y": X is set aside in its clause, Y (the reason) stays
BUT_FOR = ("if not for", "if it were not for", "if it was not for", "were it not for",
           "had it not been for", "but for")
#: "both X and Y" (or "X and Y both") followed by one of these is said of the classes in
#: general, not of this face: "Both surprise and fear involve raised brows"
GENERIC_VERBS = frozenset(
    "involve involves share include includes feature features require requires have typically "
    "usually often generally commonly tend".split()
)
#: concessive words that, after a clause about someone else, contrast two people and concede
#: nothing: "a crowd in the background looks angry, while the woman looks neutral"
_CONTRASTING = frozenset(("while", "whilst", "whereas"))
#: after a copula that follows a mention (a few words at most) these reject the mention, like
#: "absent": "neutral is wrong here, she is angry"; "calling it happy would be wrong"; so does
#: "ruled out" ("fear is ruled out"), which otherwise negates what follows ("I ruled out fear")
REJECTING = ("wrong", "incorrect", "inaccurate", "mistaken", "mistake", "unlikely", "less likely",
             "not among", "not one of", "out", "out of question", "off table",
             "poor label", "poor fit", "poor choice", "poor match", "stretch")
_COPULAS = frozenset("is are was were be been seems seem sounds feels".split())
#: phrases with a negating word that negate nothing
DISCOURSE_IDIOMS = (
    "as if", "as though", "if anything", "more or less", "no less", "nonetheless", "no matter",
    "nevertheless", "regardless", "if so", "even so", "no more than", "less than clear",
    "nothing special", "nothing unusual", "nothing in particular", "nothing else",
    # the options as a place to choose from, not a list: "The right answer among the options
    # is neutral", "Selecting from the given options: sadness"
    "among options", "among given options", "of options", "from options", "from given options",
    "among available options", "from available options", "from these options",
    "among these options", "of given options", "from provided options",
    "out of this world", "out in open",
    # left out of something, not a class ruled out: "the man excluded from the group photo"
    "excluded from", "eliminated from",
    # what is barely held in is there: "barely contained rage"
    *(f"{adverb} {verb}" for adverb in ("barely", "hardly", "scarcely")
      for verb in ("contained", "concealed", "suppressed", "hidden", "restrained", "controlled",
                   "disguised", "masked", "held back")),
)
CONCESSIVE = ("although", "though", "while", "whilst", "whereas", "even though", "despite",
              "in spite of", "albeit", "even if")
CONTRAST = ("but", "however", "yet", "except")
#: a comma, dash or "and" followed by one of these starts a new predicate: negation ends
OPENERS = frozenset(
    "she he they it its this that which i we there her his their person face expression man "
    "woman individual subject child boy girl baby eyes mouth lips just only merely simply rather "
    "instead so now hence thus therefore overall otherwise what im id ill ive shes hes theyre thats "
    "theres whose "
    "looks seems appears more "
    # what the cues do: "the raised brows, with no tension around the eyes, point to surprise"
    "point points suggest suggests indicate indicates show shows reveal reveals mean means "
    "signal signals suggesting indicating revealing signalling signaling implying "
    "consistent".split()
)
_AND_OPENERS = OPENERS | frozenset(
    "look seem appear is are was were shows show displays display has have conveys conveying "
    "expresses expressing suggests suggesting indicates indicating exhibits exhibiting looking "
    "seeming appearing showing displaying".split()
)
#: shortest synonym a misspelt word is read as, and shortest word read as a misspelling
FUZZY_MIN_TARGET, FUZZY_MIN_WORD = 4, 4
_TOKEN = re.compile(r"[a-z0-9]+|[.!?]+(?=\s|$)|[;,\n]|:(?=\s|$)|(?<=\s)-+(?=\s)")
_NT = re.compile(r"n't\b|n'\s")
_ARROW = re.compile(r"-+>|=>|\u2192")
_ARTICLES = frozenset(("a", "an", "the"))
_NOT_APPLICABLE = re.compile(r"\bn/a\b")
_BARE_NT = frozenset(
    "isnt arent wasnt werent doesnt dont didnt hasnt havent hadnt couldnt wouldnt shouldnt "
    "aint".split())
_MISS = object()
_SENT, _CLAUSE, _COMMA, _NEG, _ABS, _AND, _CONCEDE, _OR, _VERB, _BETWEEN = range(1, 11)
_MARK, _NEGATE, _NEGATE_LACK, _CONCEDE_KEY = "\x00m", "\x00n", "\x00l", "\x00c"
_REJECT, _OTHER_PLACE, _RETRACT, _BOTH, _SUBJECT = "\x00r", "\x00o", "\x00x", "\x00b", "\x00s"
_BUT_FOR, _SO_MUCH_AS, _CANDIDATES, _HEADING = "\x00f", "\x00a", "\x00d", "\x00h"
#: code of the mark of a closing "both" ("He is angry and also sad, both."): the mentions of
#: its clause before it are equal, whatever marks them
_EQUAL = -5
#: what joins two classes an answer marker or heading gives together ("Answer: fear, sadness")
_JOINERS = frozenset((",", "and", "or", "vs", "versus", "plus"))
#: an answer marker's mark: ANSWER for the class after it and any joined to it ("Answer:
#: sad/neutral"); a field's: HEADED for the same ("Emotion: fear, sadness")
_HEADED, _FIELD = -6, -7
#: words between "not" and the mention it negates, or between a comma and a bare class word,
#: that do not change the reading ("not very happy, clearly sad")
_INTENSIFIERS = frozenset(
    "very quite really clearly definitely obviously extremely deeply truly genuinely actually "
    "simply plainly visibly evidently most so too pretty fairly".split()
)
#: adverbs between the copula and a rejecting word: "anger is also unlikely", "is very unlikely"
_REJECT_ADVERBS = frozenset("also too very quite highly clearly definitely probably simply just "
                            "equally rather fairly pretty even extremely exceedingly so".split())
#: words that may stand between a mention and the phrase that rejects it ("happy would be
#: wrong", "anger here is incorrect")
_REJECT_GAP = frozenset(
    "here would also certainly definitely clearly surely obviously simply just probably likely "
    "can could may all safely "
    "label reading read answer guess interpretation choice option".split()
)
#: a person word after an :data:`OTHER_PEOPLE` marker ends its reach: "the crowd makes her
#: anxious" is about her (the word right after a preposition is its object: "next to her")
_PERSONS = frozenset("her him them she he they herself himself themselves me us".split())
#: ... and where another person's reach ends ("the cat is laughing, and his own face is calm")
_REACH_STOP = _PERSONS | {"his", "their"}
_PREPOSITIONS = frozenset("behind around near to beside".split())
#: what may follow an elliptic "not" ("Not at all, ...", "Not really, ...")
_ELLIPTIC = frozenset("at all really quite exactly entirely necessarily".split())
#: after "or", these offer an alternative reading: "she could be happy or just being polite"
#: an "Or" opening a sentence that corrects the one before ("Or, more precisely, afraid")
#: (and "Or, no, ...", "Or, to be precise, ...")
_OR_CORRECTS = frozenset("actually more better wait precisely accurately".split())
#: "too <adjective> to <one of these> X" negates X
_CALLING = frozenset("call be label read say count name classify".split())
#: the hedge of an "or" after an answer ("Answer: fear, or perhaps surprise"): secondary
_SOFT_OR = frozenset(("maybe", "perhaps", "possibly"))
_HEDGED_OR = frozenset("just simply merely only maybe perhaps possibly probably".split())
_PART_END = frozenset((",", ";", "-", "\n", "and", *CONTRAST))
#: a marker right before one of these, after a mention of its comma part, marks that mention
#: only: "happy at first, then sad"; "sad too, and angry"
_PART_MARKS = frozenset((",", "-"))
#: negators of a noun ("the lack of a smile") whose scope ends at the verb they are subject of
_LACK_PHRASES = ("absence of", "lack of", "lacks", "lack")
#: verbs that end a ``_LACK`` scope: "the lack of a smile suggests sadness"
LACK_VERBS = frozenset(
    "suggest suggests suggesting indicate indicates indicating imply implies implying mean means "
    "point points signal signals signalling reveal reveals convey conveys conveying".split()
)
_PRESENCE = frozenset(
    "present visible seen detected activated active evident observed shown apparent displayed "
    "noticeable obvious there correct accurate right fitting appropriate fit fits apply applies "
    "case".split()
)
_ABSENT = frozenset(("absent", "missing", "lacking"))


def _short_plural(word: str, table: Mapping[str, str]) -> bool:
    """True for the plural form of a three-letter synonym ("sads", "mads"): no misspelling
    target, so "sadd" is never read (three-letter words are never corrected either way)."""
    return word[-1] == "s" and len(word) - 1 < FUZZY_MIN_WORD and word[:-1] in table


#: "though" before a comma or at its clause's end is the adverb ("On a closer look, though,
#: she is sad"; "she is sad, though."): it contrasts like "however" and concedes nothing
_ADVERB_THOUGH = frozenset((",", ";", "\n", "-"))


def discourse_tokens(text: str) -> list[str]:
    """Tokens as :func:`facebench.parsing.matcher.tokens`, plus a spaced dash (``-``) and an
    em dash as clause marks."""
    text = fold_unicode(text).lower()
    if ">" in text or "\u2192" in text:  # "no raised brows -> neutral": an arrow ends a clause
        text = _ARROW.sub(" - ", text)
    if "'" in text:
        text = _NT.sub(" not ", text).replace("'", "")
    if "n/a" in text:  # "surprise: n/a" rules the class out like "surprise: no"
        text = _NOT_APPLICABLE.sub(" no ", text)
    toks = [t for t in _TOKEN.findall(text) if t not in _ARTICLES]
    if not _BARE_NT.isdisjoint(toks):  # "she isnt happy": "n't" written without its apostrophe
        toks = [w for t in toks for w in ((t[:-2], "not") if t in _BARE_NT else (t,))]
    return toks


class DiscourseMatcher(PhraseMatcher):
    """A :class:`PhraseMatcher` whose scan reads negation scope, markers and misspellings
    (rules in the module docstring). ``real_words`` are never read as misspellings;
    ``fuzzy=False`` turns misspelling reading off."""

    def __init__(
        self,
        phrases: Mapping[str, str],
        *,
        ignore: Iterable[str] = (),
        real_words: frozenset[str] = frozenset(),
        states: Mapping[str, frozenset[str]] | Iterable[str] = (),
        fuzzy: bool = True,
    ) -> None:
        super().__init__(phrases)
        #: states and facial actions that are no class ("tired", "grimace"), each with the
        #: classes it is close to: the other side of an "or" that leaves another class unsettled
        near = states if isinstance(states, Mapping) else dict.fromkeys(states, frozenset())
        self.states: dict[str, frozenset[str]] = {
            w: frozenset(c) for w, c in near.items() if not self._lookup.get(w)}
        self._watch = frozenset(self.states) | _WATCHED
        lookup = self._lookup
        for idiom in (*DISCOURSE_IDIOMS, *ignore):
            lookup[phrase_key(idiom)] = ""
        for strength, markers in MARKERS.items():
            for marker in markers:
                lookup.setdefault(phrase_key(marker), f"{_MARK}{strength}")
        for marker in OTHER_PEOPLE:
            lookup.setdefault(phrase_key(marker), f"{_MARK}{OTHER}")
        for phrase in REJECTING:
            lookup.setdefault(phrase_key(phrase), _REJECT)
        for phrase in RETRACTING:
            lookup[phrase_key(phrase)] = _RETRACT
        for phrase in (*RETRACTING_FIELDS, *TURNS_TO_SUBJECT):
            lookup[f"{phrase_key(phrase)} :"] = _RETRACT
        for phrase in SUBJECT:
            lookup.setdefault(phrase_key(phrase), _SUBJECT)
        for phrase in BUT_FOR:
            lookup[phrase_key(phrase)] = _BUT_FOR
        for phrase in CANDIDATES:
            lookup.setdefault(phrase_key(phrase), _CANDIDATES)
        for phrase in HEADINGS:
            lookup.setdefault(f"{phrase_key(phrase)} :", _HEADING)
        lookup.setdefault("so much as", _SO_MUCH_AS)
        lookup.setdefault("both", _BOTH)
        for phrase in OTHER_PLACES:
            lookup.setdefault(phrase, _OTHER_PLACE)
        for phrase in _LACK_PHRASES:
            lookup[phrase_key(phrase)] = _NEGATE_LACK
        for phrase in NEGATING:
            lookup.setdefault(phrase_key(phrase), _NEGATE)
        for phrase in CONCESSIVE:
            lookup.setdefault(phrase_key(phrase), _CONCEDE_KEY)
        special: dict[str, int] = {"\n": _SENT, ";": _CLAUSE, ",": _COMMA, ":": _COMMA,
                                   "-": _CLAUSE}
        special |= dict.fromkeys((".", "!", "?"), _SENT) | dict.fromkeys(CONTRAST, _CLAUSE)
        special |= dict.fromkeys(NEGATORS, _NEG) | dict.fromkeys(_ABSENT, _ABS)
        special["and"] = _AND
        special["or"] = _OR
        special["between"] = _BETWEEN
        special |= dict.fromkeys(_MIXES, _BETWEEN)  # "a mix of happiness and sadness": both
        special |= dict.fromkeys(LACK_VERBS, _VERB)
        longest: dict[str, int] = {}
        seconds: dict[str, set[str]] = {}
        for key in lookup:
            words = key.split(" ")
            longest[words[0]] = max(longest.get(words[0], 0), len(words))
            if len(words) > 1:
                seconds.setdefault(words[0], set()).add(words[1])
        self._info = {t: (longest.get(t, 0), special.get(t, 0)) for t in {*longest, *special}}
        #: the words that can follow each first word in a phrase: a common first word ("i",
        #: "very", "looks") tries its long phrases only when one of them follows
        self._seconds = {t: frozenset(w) for t, w in seconds.items()}
        self.real_words = real_words
        self._by_letter: dict[str, list[str]] = {}
        if fuzzy:
            for word in self.table:
                if (" " not in word and len(word) >= FUZZY_MIN_TARGET and word.isalpha()
                        and not _short_plural(word, self.table)):
                    self._by_letter.setdefault(word[0], []).append(word)
        self._fuzzy_cache: dict[str, tuple[str, str] | None] = {}

    # -- misspellings -------------------------------------------------------------------------
    def misspelt(self, word: str) -> tuple[str, str] | None:
        """(key, synonym) a misspelt ``word`` stands for, or None (rules in the docstring)."""
        cache = self._fuzzy_cache
        if word in cache:
            return cache[word]
        found = None
        if len(word) >= FUZZY_MIN_WORD and word.isalpha() and word not in self.real_words:
            vocab = self._by_letter.get(word[0])
            if vocab:
                limit = 2 if len(word) >= 8 else 1
                near = process.extract(word, vocab, scorer=OSA.distance, score_cutoff=limit,
                                       limit=None)
                if near:
                    best = min(d for _, d, _ in near)
                    words = [w for w, d, _ in near if d == best]
                    keys = {self.table[w] for w in words}
                    if len(keys) == 1:
                        found = (keys.pop(), words[0])
        if len(cache) > 200_000:
            cache.clear()
        cache[word] = found
        return found

    # -- scanning -----------------------------------------------------------------------------
    def _list_end(self, toks: list[str], j: int) -> int:
        """The position of the last class of the list of classes that starts at ``toks[j]``
        (joined by commas, "and", "or")."""
        n, last = len(toks), j
        while j < n:
            length = self._class_at(toks, j)
            if length:
                last, j = j, j + length
            elif toks[j] in (",", "and", "or"):
                j += 1
            else:
                break
        return last

    def _reject_list(self, toks: list[str], clause: list[list], sent_tok: int) -> None:
        """Negate the list of classes that opens its sentence and ends at the clause's last
        mention, rejected by a plural or modal copula ("Sadness, fear and anger are ruled
        out"; "Fear and surprise can be excluded"); a list that does not open its sentence
        ("She is happy, and fear and anger are ruled out") is left alone."""
        k = len(clause) - 1
        while k > 0:
            end = clause[k - 1][0] + self._class_at(toks, clause[k - 1][0])
            if not _joins_ruled(toks[end : clause[k][0]]):
                return
            k -= 1
        if clause[k][0] == sent_tok or toks[clause[k][0] - 1] in (":", "\n"):
            for hit in clause[k:]:
                hit[2] = True

    def _class_at(self, toks: list[str], i: int) -> int:
        """Length of the class mention starting at ``toks[i]``, 0 when none starts there."""
        entry = self._info.get(toks[i])
        if entry is None:
            return 0
        lookup = self._lookup
        for length in range(min(entry[0], len(toks) - i), 0, -1):
            found = lookup.get(toks[i] if length == 1 else " ".join(toks[i : i + length]))
            if found is not None:
                return length if found and found[0] != "\x00" else 0
        return 0

    def _generic_pair(self, toks: list[str], i: int, clause: list[list]) -> tuple[int, int] | None:
        """For "both" at ``toks[i]``: (position before, last position) of the two classes of
        "both X and Y <verb>" or "X and Y both <verb>" when the verb is one said of classes in
        general (:data:`GENERIC_VERBS`: "Both fear and surprise involve raised brows"), else
        None."""
        n = len(toks)
        if i + 1 < n and toks[i + 1] in GENERIC_VERBS:  # "fear and surprise both involve"
            if len(clause) >= 2:
                (p1, *_), (p2, *_) = clause[-2], clause[-1]
                length1, length2 = self._class_at(toks, p1), self._class_at(toks, p2)
                if (length1 and length2 and p1 + length1 == p2 - 1 and toks[p2 - 1] == "and"
                        and p2 + length2 == i):
                    return p1 - 1, p2
            return None
        j = i + 1
        length1 = self._class_at(toks, j) if j < n else 0
        if not length1 or j + length1 + 1 >= n or toks[j + length1] != "and":
            return None
        k = j + length1 + 1
        length2 = self._class_at(toks, k)
        if length2 and k + length2 < n and toks[k + length2] in GENERIC_VERBS:
            return i, k
        return None

    def _bare_class_at(self, toks: list[str], i: int) -> bool:
        """True when a bare class word (perhaps after an intensifier) stands alone from
        ``toks[i]`` to the end of its clause: "not happy, sad." / "not happy, clearly sad;"
        but not a list going on ("no happiness, sadness or anger")."""
        n = len(toks)
        if i < n and toks[i] in _INTENSIFIERS:
            i += 1
        length = self._class_at(toks, i) if i < n else 0
        if not length:
            return False
        k = i + length
        if k >= n:
            return True
        after = toks[k]
        if after[0] in ".!?;\n-" or after in CONTRAST:
            return True
        if after != ",":
            return False
        return k + 1 >= n or (toks[k + 1] not in ("or", "and", "nor")
                              and not self._class_at(toks, k + 1))

    def _list_start(self, toks: list[str], clause: list[list], at: int) -> int:
        """Position of the first mention of the comma list "A, B, or C" whose "or" is at
        ``at`` (the last mention's position when no list runs into it; ``at`` when no mention
        comes right before the "or")."""
        k = len(clause) - 1
        if k < 0:
            return at
        end = clause[k][0] + max(self._class_at(toks, clause[k][0]), 1)
        if end != at and not (end == at - 1 and toks[at - 1] == ","):
            return at
        while k > 0:
            here, before = clause[k][0], clause[k - 1][0]
            if toks[here - 1] != "," or before + max(self._class_at(toks, before), 1) != here - 1:
                break
            k -= 1
        return clause[k][0]

    def _asks_past(self, toks: list[str], i: int, keys: set[str]) -> bool:
        """True when the sentence starting at ``toks[i]`` is a question naming no class other
        than ``keys`` (those of the sentence before): "Or is he just tired?", "Surprised. Or is
        he just startled?" doubt, they offer no alternative ("Or disgusted?" does)."""
        n, other = len(toks), False
        while i < n and toks[i][0] not in ".!?\n":
            length = self._class_at(toks, i)
            if length:
                found = self._lookup.get(" ".join(toks[i : i + length]))
                other = other or found not in keys
            i += 1
        return i < n and "?" in toks[i] and not other

    def _state_side(self, toks: list[str], i: int, clause: list[list], last_end: int,
                    marks: list[tuple[int, int, int, int]]) -> int:
        """For an "or" before ``toks[i]`` with a state that is no class on one side
        (:attr:`states`): the end of its other side when that side follows ("sad or tired",
        "happy, or they might be embarrassed": the class before is not settled), else 0; when
        the state comes before the "or", in its part ("a grimace or a smile", "mid-shout or
        mid-laugh", "squinting into the sun or scowling"), the first class after the "or"
        (within three words) is marked ``ASIDE``. A negated state ("or at least not tired")
        offers nothing."""
        n, states = len(toks), self.states
        if clause and not clause[-1][2] and (last_end == i - 2 or last_end == i - 3 and toks[i - 2] == ","):
            end = i
            while end < n and end - i < 6 and toks[end] not in _PART_END and toks[end][0] not in ".!?":
                end += 1
            side = toks[i:end]
            key = clause[-1][1]
            if (any(t in states and key not in states[t] for t in side)
                    and _NEGATING_WORDS.isdisjoint(side)
                    and not any(self._class_at(toks, j) for j in range(i, end))):
                return end
            return 0
        k = i - 2
        while k > last_end and k >= 0 and k > i - 7 and toks[k] not in _PART_END and toks[k][0] not in ".!?":
            if toks[k] in states:
                if k == 0 or toks[k - 1] not in _NEGATING_WORDS:
                    for j in range(i, min(n, i + 4)):
                        if toks[j] in _PART_END or toks[j][0] in ".!?":
                            break
                        length = self._class_at(toks, j)
                        if length:
                            if self._lookup[" ".join(toks[j : j + length])] not in states[toks[k]]:
                                marks.append((i - 1, i - 1, ASIDE, j))
                            break
                break
            k -= 1
        return 0

    def _list_item(self, toks: list[str], i: int) -> bool:
        """True when an item of a list of candidates starts at ``toks[i]``: a class followed
        by a dash or a colon ("surprise - raised brows", "fear: wide eyes")."""
        length = self._class_at(toks, i) if i < len(toks) else 0
        return bool(length) and i + length < len(toks) and toks[i + length] in ("-", ":")

    @staticmethod
    def _hypothetical(toks: list[str], if_at: int, comma: int) -> bool:
        """True for "if <clause>, <would> ..." ("If she were smiling, I'd say happy"; "If the
        corners turned up, this would be a smile"), not for a hedge of the writer's call ("If
        I had to guess, I'd say sad")."""
        condition = toks[if_at + 1 : comma - 1]
        if (not ("were" in condition or "had" in condition) or "to" in condition
                or any(t in _HEDGING_IF for t in condition)):
            return False  # a counterfactual of another face, not "If I zoom in, I'd say disgust"
        return any(t in _WOULD for t in toks[comma : comma + 4])

    def _object_at(self, toks: list[str], i: int) -> bool:
        """True when a class follows ``toks[i]`` in the same clause within four words: the
        object of a verb ("ruled out any chance of a smile")."""
        for j in range(i, min(len(toks), i + 4)):
            if toks[j][0] in ".,;:!?\n-" or toks[j] == "by":  # not "ruled out by the grin"
                return False
            if self._class_at(toks, j):
                return True
        return False

    def _ruled_out_ends(self, toks: list[str], i: int) -> bool:
        """True when the comma before ``toks[i]`` ends what an opening "ruling out" rules out:
        no negation and no further class of its list follows."""
        if toks[i] in _RULED_JOINERS or toks[i] in _NEGATING_WORDS:
            return False
        length = self._class_at(toks, i)
        return not length or i + length < len(toks) and toks[i + length] in _RULED_VERBS

    def plain_class(self, sentence: str) -> str | None:
        """The class of one sentence that names classes and nothing :meth:`scan` weighs, else
        None: no marker, negation, clause mark, misspelling, question or word of a rule
        ("The person shows happiness."). Such a sentence scans to ``PLAIN`` mentions of that
        one class; this finds them without the scan's bookkeeping (the first-sentence
        shortcut's common case). None is always safe: the caller then scans."""
        toks = discourse_tokens(sentence)
        n = len(toks) - 1  # the sentence's end mark
        if n < 1 or toks[n][0] not in ".!\n":
            return None
        info, lookup, watch = self._info, self._lookup, self._watch
        fuzzy = self.misspelt if self._by_letter else None
        fcache = self._fuzzy_cache
        key = None
        i = 0
        while i < n:
            tok = toks[i]
            if tok in watch:
                return None
            entry = info.get(tok)
            if entry is None:
                if fuzzy is not None and len(tok) >= FUZZY_MIN_WORD:
                    got = fcache.get(tok, _MISS)
                    if got is _MISS:
                        got = fuzzy(tok)
                    if got is not None:
                        return None
                i += 1
                continue
            span, kind = entry
            if kind or not span:
                return None
            found = None
            if span > 1 and toks[i + 1] not in self._seconds.get(tok, ()):
                span = 1
            for length in range(min(span, n + 1 - i), 0, -1):
                found = lookup.get(tok if length == 1 else " ".join(toks[i : i + length]))
                if found is not None:
                    break
            if found is None:
                i += 1
                continue
            if found and found[0] == "\x00" or found == _HEADING:
                return None  # a marker or a field: the scan weighs it
            if found:
                if key is not None and key != found or _freed(toks, i + length):
                    return None  # two classes, or "anger-free" (the scan negates it)
                key = found
            i += length
        return key

    def scan(self, text: str) -> Scan:
        """Hits with negation, strength and sentence (rules in the module docstring)."""
        toks = discourse_tokens(text)
        n = len(toks)
        lookup, info = self._lookup, self._info
        fuzzy = self.misspelt if self._by_letter else None
        states = self.states
        watch = self._watch
        fcache = self._fuzzy_cache
        hits: list[Hit] = []
        clause: list[list] = []  # [position, key, negated, fuzzy synonym]
        # (first position, last position, strength, last position it may mark)
        marks: list[tuple[int, int, int, int]] = []
        segment: list[list] = []  # the hits of the current comma part (may turn negated)
        sentence = 0
        sent_start = 0  # index in hits of this sentence's first hit
        first: int | None = None
        clause_neg = seg_neg = sent_neg = sent_pos = sent_words = False
        concessive = concessive_comma = lack = False
        hypothetical = False  # the clause imagines another face: every mention is set aside
        contrasted = False  # a contrast ("but", "while") since the last mention
        between_at = -1  # "between X and Y": the "and" offers alternatives, like "or"
        asked: tuple[int, int] | None = None  # hits of the question just before this sentence
        yes_to: tuple[int, int] | None = None  # ... when this sentence opens "Yes"
        # ("or" position, end of its hedged alternative or 0, first position of the comma
        # list it ends) in the clause
        alternatives: list[tuple[int, int, int]] = []
        neg_at, neg_tok = -9, ""  # the last negator word and its position
        # "less angry than sad", "not so much angry as sad": where the comparison began, and
        # the word that asserts what follows it
        compare_at, compare_word = -1, ""
        last_end = -9  # position of the last token of the last class mention
        last_start = -9  # ... and of its first
        sent_tok = 0  # position of the sentence's first token
        if_at = -1  # position of an "if" in the clause ("If she were smiling, I'd say happy")
        bare = -1  # hit of the last sentence that is nothing but a class word (not an item
        # of a numbered list: "1. fear / surprise (tied) 2. neutral")
        # where the last part of the sentence began after ";" or a colon that ends words of
        # reasoning ("The nose wrinkle is the key cue: disgust."), and the hits before it
        part_tok, part_hits = -1, 0
        listing = False  # a list of candidates whose items go on past its clause
        ruled_at = -1  # after an opening "(After) ruling out": where the classes it rules out begin
        i = 0
        while i < n:
            tok = toks[i]
            if tok in watch:  # the words some rule below looks at (most tokens are none)
                if not sent_words and (
                        tok == "were" and toks[i + 1 : i + 2] not in (["i"], ["we"], ["you"])
                        or tok == "had" and toks[i + 1 : i + 2] != ["it"] and "been" in toks[i + 2 : i + 5]):
                    hypothetical = True  # "Had the brows been drawn together I'd say fear, but ..."
                    concessive_comma = False
                if (tok == "would" and i + 1 < n and toks[i + 1] not in _WOULD_LABEL and clause and not clause[-1][2]
                        and (last_end == i - 1 or last_end == i - 2 and toks[i - 1] in _HYPOTHETICAL_NOUNS)):
                    # "Fear would require wide eyes", "a sad person would droop": said of the
                    # class, not of this face; so is a class joined to it ("Fear and surprise
                    # would show widened eyes")
                    marks.append((i, i, ASIDE, i))
                    and_at = clause[-1][0] - 1
                    if (len(clause) >= 2 and toks[and_at] == "and" and not clause[-2][2]
                            and clause[-2][0] + self._class_at(toks, clause[-2][0]) == and_at):
                        marks.append((and_at, and_at, ASIDE, and_at))
                if clause_neg and i - neg_at > 1 and (
                        i + 2 < n and (tok == "so" and toks[i + 1] in OPENERS and toks[i + 1] != "so"
                                       or tok == "there" and toks[i + 1] in _COPULAS
                                       and toks[i + 2] in ("no", "not"))
                        or tok in _SUBJECT_IS and 0 < i - last_end <= 2):
                    # a run-on sentence: "no muscle tension there is no particular emotion so the
                    # expression is neutral", "he's not mad he's sad" start new clauses without a
                    # comma; the negation ends
                    sent_pos = (segment and _settle(segment, seg_neg)) or sent_pos
                    clause_neg = seg_neg = False
                if i - last_end <= 4 and tok in _ACTIONS and tok in states and clause:
                    for hit in clause[-2:]:  # "that grin is a nervous grimace": the grin is no class
                        after = hit[0] + self._class_at(toks, hit[0])
                        if (not hit[2] and toks[after] in _COPULAS and 0 < i - after <= 3
                                and hit[1] not in states[tok]):  # (not "the smile is playful")
                            marks.append((after, after, ASIDE, after))
                if tok in _CONCLUDING and (not sent_words or toks[i - 1] == ","):
                    # "... So: anger." / "..., so anger.": a bare class after it closes the
                    # reasoning like one after a colon
                    part_tok = i + 1 + (i + 1 < n and toks[i + 1] in (":", ","))
                    part_hits = len(hits) + len(clause)
                if tok == "against" and not sent_words:  # "Against anger: no furrowed brow."
                    clause_neg = sent_neg = True
                    neg_at, neg_tok = i, "against"
                if tok == "over" and last_end == i - 1 and i + 1 < n and self._class_at(toks, i + 1):
                    marks.append((i, i, ASIDE, i + 1))  # "sadness over neutral": the one preferred
                if tok == "too" and i + 3 < n and toks[i + 2] == "to" and toks[i + 3] in _CALLING:
                    clause_neg = sent_neg = True  # "too weak to call it happiness", "too early to say"
            entry = info.get(tok)
            if entry is None:
                i += 1
                if tok == "yes" and asked is not None and not sent_words:
                    after_yes = toks[i + 1 : i + 2] if toks[i : i + 1] == [","] else toks[i : i + 1]
                    if not (after_yes and after_yes[0] in ("and", "no", "but", "though", "maybe")):
                        yes_to = asked  # "Is she startled? Yes, that's what this is."
                asked = None
                if tok[0] not in ".!?":
                    # a list number alone ("1. Fear 2. Surprise") is no sentence of its own
                    if not sent_words and not tok.isdigit():
                        sent_words = True
                    if fuzzy is not None and len(tok) >= FUZZY_MIN_WORD:
                        got = fcache.get(tok, _MISS)
                        if got is _MISS:
                            got = fuzzy(tok)
                        if got is not None:
                            hit = [i - 1, got[0], clause_neg, tok]
                            clause.append(hit)
                            segment.append(hit)
                            last_start = last_end = i - 1
                            contrasted = False
                    continue
                kind = _SENT
            else:
                span, kind = entry
                if span:
                    length, found = 0, None
                    if span > 1 and (i + 1 >= n or toks[i + 1] not in self._seconds.get(tok, ())):
                        span = 1
                    for length in range(min(span, n - i), 0, -1):
                        found = lookup.get(tok if length == 1 else " ".join(toks[i : i + length]))
                        if found is not None:
                            break
                    heading = found == _HEADING
                    if heading:  # "Label: fear" opening a line
                        if sent_words:  # mid-sentence the words mark nothing; the colon stays
                            i += length - 1  # a clause mark ("no fear in the expression: ...")
                            continue
                        found = f"{_MARK}{_FIELD}"
                    if found is not None:
                        if found != _CONCEDE_KEY:
                            sent_words = True
                        if not found:
                            i += length
                            continue
                        if found[0] != "\x00":
                            if listing and last_end == i - 2 and toks[i - 1] in ("-", ":"):
                                # "Options: happiness - smile, surprise - open mouth": the
                                # smile is the first item's cue, not a class of its own
                                marks.append((i - 1, i - 1, ASIDE, i))
                            if (toks[i] in _NEGATING_WORDS or toks[i] == "without") and (
                                    skip := _exception_after(toks, i + length)):
                                i += length + skip  # "no emotion other than sadness": the
                                continue  # exception is the answer, the "no emotion" nothing
                            hit = [i, found, clause_neg or _freed(toks, i + length), ""]
                            clause.append(hit)
                            segment.append(hit)
                            last_start = i
                            i += length
                            last_end = i - 1
                            contrasted = False
                            continue
                        if found == _SO_MUCH_AS:  # "not exactly angry so much as repulsed"
                            clause_neg = False
                            i += length
                            continue
                        if found == _CANDIDATES:
                            after = toks[i + length] if i + length < n else ""
                            by_verb = toks[i + length - 1] in ("from", "between")  # "choose between"
                            if (after != ":" and after not in _COPULAS
                                    and not (by_verb and after and self._class_at(toks, i + length))):
                                i += length  # "Among the options, fear fits": no list of candidates
                                continue
                            if by_verb:  # "Choosing from happiness, ..., neutral, I'd say angry":
                                # only the classes listed right after it are candidates
                                marks.append((i, i, _GENERIC, self._list_end(toks, i + length)))
                            else:  # "Candidates: sadness, neutral."
                                marks.append((i, i, _GENERIC, 1 << 30))
                                listing = True
                            i += length
                            continue
                        if found == _BUT_FOR:  # "anger would be my guess if not for ..."
                            end = i + length - 1
                            marks.append((i, end, _RETRACTED, end))
                            i += length
                            continue
                        if found == _SUBJECT:  # "..., but the man himself looks gloomy"
                            # the clause is about the person asked, not a concession: "a cat
                            # that looks relaxed, while she herself appears petrified"
                            concessive = concessive_comma = False
                            if contrasted or toks[i + length - 1] in ("face", "expression"):
                                _demote(hits, sent_start)  # "his own face" contrasts by itself
                                end = i + length - 1  # ... and the clause's mentions before it
                                marks.append((i, end, _RETRACTED, end))
                            i += length
                            continue
                        if found == _RETRACT and (clause_neg or toks[i + length - 1] == ":" and not any(
                                self._class_at(toks, j) for j in range(i + length, min(n, i + length + 3)))):
                            i += length  # "no correction needed"; "Corrected: none."
                            continue
                        if (found == _RETRACT and length == 1 and tok in ("revised", "revising")
                                and not any(self._class_at(toks, j) for j in range(i + 1, n))):
                            i += length  # "Initially neutral, revised after noting the cheeks": done
                            continue
                        if found == _RETRACT:  # "Correction: ...": what came before is taken back
                            _demote(hits, 0)
                            end = i + length - 1
                            marks.append((i, end, _RETRACTED, end))
                            marks.append((i, end, _CORRECTED, end + REACH))
                            i += length
                            continue
                        if found == _BOTH:
                            generic = self._generic_pair(toks, i, clause)
                            if generic is not None:
                                marks.append((generic[0], generic[0], _GENERIC, generic[1]))
                            elif ((i + 1 >= n or toks[i + 1][0] in ".!?;,\n")
                                  and len({h[1] for h in clause if not h[2]}) >= 2):
                                marks.append((i, i, _EQUAL, i))  # "angry and also sad, both."
                            i += length
                            continue
                        if (tok == "ruled" and found == _NEGATE and segment and segment[-1][0] <= last_end
                                and (last_end == i - 1 or last_end == i - 2
                                     and (toks[i - 1].endswith("ly") or toks[i - 1] == ":"))
                                and not self._object_at(toks, i + length)):
                            # "With surprise (firmly) ruled out, fear is the answer": the classes
                            # before it (joined bare) are ruled out; what follows is not (but "her
                            # happiness ruled out any sadness": the object is ruled out)
                            k = len(clause) - 1
                            while k > 0 and _joins_ruled(toks[
                                    clause[k - 1][0] + max(self._class_at(toks, clause[k - 1][0]), 1):
                                    clause[k][0]]):
                                k -= 1
                            for hit in clause[k:]:
                                hit[2] = True
                            sent_neg = True
                            i += length
                            continue
                        if (tok in _RULED and found == _NEGATE and toks[i - 1] == ":"
                                and last_end == i - 2 and clause and clause[-1][0] <= last_end):
                            clause[-1][2] = sent_neg = True  # "Surprise: ruled out."
                            i += length
                            continue
                        if found == _REJECT or tok in _RULED and found == _NEGATE:
                            j = i - 1  # the copula, before adverbs ("anger is also unlikely")
                            while j > last_end + 1 and toks[j] in _REJECT_ADVERBS:
                                j -= 1
                            if (j > 0 and toks[j] in _COPULAS and 0 < j - last_end <= 3 and segment
                                    and segment[-1][0] <= last_end
                                    and all(t in _REJECT_GAP for t in toks[last_end + 1 : j])):
                                segment[-1][2] = sent_neg = True
                                if "all" in toks[last_end + 1 : j]:  # "Surprise, fear and anger
                                    for hit in clause:  # can all be ruled out": the whole list
                                        hit[2] = True
                                elif toks[j] != "is":  # "Sadness, fear and anger can be
                                    self._reject_list(toks, clause, sent_tok)  # eliminated"
                                i += length
                                continue
                            if found == _REJECT:
                                if tok == "not":  # "She is not among the happy ones": no
                                    clause_neg = sent_neg = True  # mention before, a negation
                                    neg_at, neg_tok = i, "not"
                                i += length
                                continue
                        if found == _NEGATE or found == _NEGATE_LACK:
                            if tok == compare_word and (clause and clause[-1][0] > compare_at
                                                        or i - compare_at > 1):
                                # "less angry than sad", "less upset than livid": asserted
                                clause_neg = False
                                compare_at, compare_word = -1, ""
                            else:
                                clause_neg = sent_neg = True
                                if tok == "if":
                                    if_at = i
                                if tok in _RULING and i - sent_tok <= 2 and all(
                                        t in _RULING_OPEN for t in toks[sent_tok:i]):
                                    ruled_at = i + length  # "After ruling out surprise, ..."
                                if tok == "less" or length == 3 and toks[i + 2] == "much":
                                    compare_at, compare_word = i, "than" if tok == "less" else "as"
                            lack = found == _NEGATE_LACK
                            neg_tok = ""
                            i += length
                            continue
                        if found == _CONCEDE_KEY and tok == "though" and length == 1 and (
                                i + 1 >= n or toks[i + 1] in _ADVERB_THOUGH
                                or toks[i + 1][0] in ".!?"):
                            i += 1
                            continue
                        if found == _OTHER_PLACE:
                            if (clause and last_end == i - 1 and clause[-1][0] > 0
                                    and toks[clause[-1][0] - 1] in PEOPLE_NOUNS):
                                # "friends laughing behind him": the mention is theirs
                                marks.append((i, i, ASIDE, i))
                                i += length
                                continue
                            if i and toks[i - 1] in PEOPLE_NOUNS:
                                start = i - 1
                            elif i > 1 and toks[i - 2] in PEOPLE_NOUNS and toks[i - 1].endswith("ing"):
                                start = i - 2  # "the man standing behind them"
                            else:
                                i += length
                                continue
                            found = f"{_MARK}{OTHER}"
                        else:
                            start = i
                        if found != _CONCEDE_KEY:
                            end = i + length - 1
                            value = int(found[2:])
                            if (value != OTHER and 0 < start - neg_at <= 2
                                    and all(t in _INTENSIFIERS for t in toks[neg_at + 1 : start])):
                                i += length  # "neither dominates": a negated marker marks nothing
                                continue
                            after = toks[end + 2] if end + 2 < n and toks[end + 1] == ":" else (
                                toks[end + 1] if end + 1 < n else "")
                            if after in _EMPTY_VALUES or end + 1 < n and toks[end + 1] in _SCORE_KEYS:
                                # '"primary": null', '"primary_confidence": 0.64': the marker
                                # marks nothing
                                i += length
                                continue
                            if (toks[end] in _MATCH_WORDS and end + 1 < n
                                    and toks[end + 1] in ("would", "for", "if")):
                                i += length  # "the best match would have been surprise if ...",
                                continue  # "the best match for the mouth is a smile"
                            if tok == "final" and length == 1 and (end + 1 >= n or toks[end + 1] != ":"):
                                i += 1  # "Final: happy", not "the final frame"
                                continue
                            if tok == "rather" and length == 1 and start and toks[start - 1] in _LOOKING:
                                i += 1  # "looks rather annoyed": a degree, not a correction
                                continue
                            reach = end + (SHORT_REACH.get(toks[end], REACH) if value == ASIDE
                                           else HEADING_REACH if heading else REACH)
                            if value == ANSWER:
                                value = _HEADED  # it marks the classes joined to its first too
                            elif heading:  # a field's value is a class, perhaps with a degree
                                j = end + 1  # ("Emotion: mildly happy"), not a sentence ("Result:
                                while (j < n and j <= reach and toks[j] in _FIELD_FILLERS  # the
                                       and not self._class_at(toks, j)):  # model predicts sad")
                                    j += 1
                                length_j = self._class_at(toks, j) if j < n and j <= reach else 0
                                # ... not one said of a feature: "Expression: smiling mouth, sad
                                # eyes" lists cues, it names no class
                                after = j + length_j
                                reach = j if length_j and (
                                    after >= n or toks[after] not in _FEATURE_NOUNS) else end
                            if value == OTHER:  # up to the person asked about: "makes her sad"
                                if (toks[start] in _GROUPS and clause and 0 < start - last_end <= 1
                                        and not clause[-1][2]):
                                    marks.append((start, end, ASIDE, start))  # "a smiling crowd"
                                if (toks[start] in _GROUPS and toks[start - 1] in _GROUP_PLACES
                                        and end + 2 < n and toks[end + 1] in ("and", ",")
                                        and toks[end + 2] not in _GROUP_RELATIVES):
                                    i += length  # "stands in a crowd and looks surprised": a
                                    continue  # place; the clause goes on about the subject
                                if toks[start] in _STRANGERS and not (
                                        start == sent_tok or toks[start - 1] in _CLAUSE_OPEN
                                        or start >= 2 and toks[start - 2] in _CLAUSE_OPEN):
                                    i += length  # "looks at the stranger with fear": hers
                                    continue
                                if toks[start] in _FIGURES:
                                    if (clause and 0 < start - last_end <= 2
                                            and all(t in _FIGURE_GAP for t in toks[last_end + 1 : start])):
                                        # "a grinning clown", "the sad-looking teddy bear": theirs
                                        marks.append((start, end, ASIDE, start))
                                    nexts = _PLACED if toks[start] in _PICTURED else _FIGURE_NEXT
                                    k = start - 1  # "the cartoon character", "a cute dog"
                                    while k >= sent_tok and k > start - 3 and toks[k] in _FIGURE_WORDS:
                                        k -= 1
                                    if not ((k < sent_tok or toks[k] in _CLAUSE_OPEN)
                                            and end + 1 < n and toks[end + 1] in nexts):
                                        i += length  # not "holding the dog", "the dog owner"
                                        continue
                                j = end + 2 if toks[end] in _PREPOSITIONS else end + 1
                                while j <= reach and j < n and (
                                        toks[j] not in _REACH_STOP or toks[j - 1] in _LOCATING):
                                    if toks[j] in PEOPLE_NOUNS and toks[j - 1] in (",", "and"):
                                        break  # "a clown floats by, and the boy looks scared"
                                    j += 1
                                reach = j - 1
                            elif (end + 1 < n and toks[end + 1] in _PART_MARKS
                                  and any(not h[2] for h in segment)):
                                reach = end  # "happy at first, then sad": marks its own part
                            elif (value == MINOR and clause and not clause[-1][2] and start >= 2 and (
                                    last_end == start - 2 and toks[start - 1] in _COPULAS
                                    or last_end == start - 3 and toks[start - 1] in _INTENSIFIERS
                                    and toks[start - 2] in _COPULAS)):
                                reach = end  # "the smile is (very) faint and the eyes are teary"
                            marks.append((start, end, value, reach))
                            i += length
                            continue
                        i += length
                        kind = _CONCEDE
                    else:
                        if tok == compare_word and clause and clause[-1][0] > compare_at:
                            clause_neg = False  # "not so much angry as sad": sad is asserted
                            compare_at, compare_word = -1, ""
                        i += 1
                else:
                    i += 1
                if not kind:
                    sent_words = True
                    continue
            if kind == _SENT and tok[0] == "." and i < n and toks[i] == "or" and not self._asks_past(
                    toks, i, {h.key for h in hits[sent_start:]} | {c[1] for c in clause}):
                # "She looks happy. Or maybe sad.": one sentence, two alternatives; "Or, more
                # precisely, sad": a correction within it (_OR_CORRECTS); not "Or is he tired?"
                continue
            if kind == _NEG:
                nxt = toks[i] if i < n else "."
                if (tok in ("no", "none") and i >= 3 and toks[i - 2] == ":" and last_end == i - 3
                        and nxt[0] in ",.;!?\n" and clause and clause[-1][0] <= last_end):
                    clause[-1][2] = True  # a checklist's "fear: no, surprise: no": ruled out
                    sent_words = True
                    continue
                if tok == "no" and nxt == ",":
                    continue  # answer particle: "No, ..."
                if tok == "none" and toks[i - 2 : i - 1] in ([":"], ["-"]) and i < n:
                    j = i
                    while j < n and toks[j] in _NONE_GLOSS:
                        j += 1  # "Emotion: none (i.e., neutral)", "none visible (neutral ...)"
                    vlen = self._class_at(toks, j) if j < n else 0
                    if vlen and j + vlen < n and toks[j + vlen] in ("face", "expression"):
                        vlen += 1  # "none (neutral face)"
                    if vlen and (j + vlen == n or toks[j + vlen][0] in ".,;!?\n"):
                        if last_end == i - 3 and clause and clause[-1][0] <= last_end:
                            clause[-1][2] = True  # "Signs of happiness: none (angry face)"
                        sent_words = True
                        i = j
                        continue  # "Emotion: none (neutral)": the class says what "none" means
                if nxt in ("be", "been") and i + 1 < n:
                    nxt = toks[i + 1]
                if tok in ("not", "never") and (nxt in _PRESENCE or nxt[0] in ".!?;,\n-"):
                    seg_neg = True
                if (tok == "not" and i > 2 and toks[i - 2] in ("does", "do", "did")
                        and last_end == i - 3 and segment and segment[-1][0] <= last_end):
                    segment[-1][2] = True  # "surprise doesn't come with that grimace": not hers
                clause_neg = sent_neg = True
                # "lack"/"lacks" are _LACK_PHRASES (the phrase branch takes them); "without" ends
                # like them at a verb: "brows without any smile or tension point to surprise"
                lack = tok == "without"
                neg_at, neg_tok = i - 1, tok
                sent_words = True
            elif kind == _OR:
                at = i + 1 if toks[i : i + 1] == [","] else i
                nxt, then = (toks[at] if at < n else ""), (toks[at + 1] if at + 1 < n else "")
                if (i + 1 < n and toks[i] == "rather" and toks[i + 1] != "than"
                        or nxt in _OR_CORRECTS or nxt == "no" and then in (",", "-")
                        or nxt == "to" and then == "be"):
                    # "Surprise, or rather fear", "Angry. Or, more precisely, disgusted.": a
                    # correction, not an alternative; what came before in the clause is set
                    # aside ("rather" makes the next one MAJOR)
                    marks.append((i - 1, i - 1, _RETRACTED, i - 1))
                    sent_words = True
                    continue
                limit = 0  # a hedged "or": its other side ends at the comma or clause end
                if i < n and (toks[i] in _HEDGED_OR or "either" in toks[max(sent_tok, i - 6) : i - 1]):
                    # "happy or just polite", "either amused or embarrassed": the other side
                    # ends at its part's end, and with no class there the class is not settled
                    limit = i
                    while limit < n and toks[limit] not in _PART_END and toks[limit][0] not in ".!?":
                        limit += 1
                if states and i < n:  # "sad or tired"; "either tired or sad"
                    limit = self._state_side(toks, i, clause, last_end, marks) or limit
                alternatives.append((i - 1, limit, self._list_start(toks, clause, i - 1)))
                sent_words = True
            elif kind == _BETWEEN:
                between_at = i - 1
                sent_words = True
            elif kind == _VERB:
                sent_words = True
                if lack:
                    sent_pos = (segment and _settle(segment, seg_neg)) or sent_pos
                    clause_neg = seg_neg = lack = False
            elif kind == _ABS:
                clause_neg = seg_neg = sent_neg = sent_words = True
            elif kind == _COMMA or kind == _AND:
                sent_words = True
                if kind == _AND and 0 <= between_at < last_end and clause and clause[-1][0] > between_at:
                    limit = i  # the other side ends with its part: "between a smile and a grimace"
                    while limit < n and toks[limit] not in _PART_END and toks[limit][0] not in ".!?":
                        limit += 1
                    alternatives.append((i - 1, limit, i - 1))  # "between anger and sadness"
                    between_at = -1
                nxt = toks[i] if i < n else "."
                openers = OPENERS if kind == _COMMA else _AND_OPENERS
                opens = nxt in openers or (nxt[-1] == "s" and nxt[:-1] in openers)  # "man's"
                if (not opens and kind == _COMMA and clause_neg and neg_tok == "not"
                        and len(segment) == 1 and segment[0][2] and not seg_neg
                        and 0 < segment[0][0] - neg_at <= 2 and self._bare_class_at(toks, i)):
                    opens = True  # "not happy, sad": the bare class word corrects the negated one
                elif (not opens and kind == _COMMA and clause_neg and neg_tok == "no"
                      and toks[sent_tok : i].count("no") >= 2 and self._bare_class_at(toks, i)):
                    opens = True  # "no smile no frown, neutral": a checklist, then the answer
                elif (not opens and kind == _COMMA and clause_neg and neg_tok in ("nothing", "none")
                      and neg_at == sent_tok and i - 2 == neg_at and self._bare_class_at(toks, i)):
                    opens = True  # "nothing, neutral": no emotion, then the answer
                elif (not opens and kind == _COMMA and clause_neg and neg_tok == "not"
                      and neg_at + 1 < i - 1 and all(h[0] < neg_at for h in segment)
                      and all(t in _ELLIPTIC for t in toks[neg_at + 1 : i - 1])):
                    opens = True  # "Is she happy? Not at all, sad.": the negation was elliptic
                if tok == ":" and clause_neg and (i - 2 - neg_at >= 2
                                                  or any(h[2] and h[0] > neg_at for h in clause)):
                    # "this isn't anger: the raised lip makes it disgust"; "I can't tell them
                    # apart: fear or surprise"; not a heading ("Not seen: anger", "Is not: happy")
                    opens = True
                if (not opens and kind == _COMMA and clause_neg and 0 <= ruled_at < i - 1 and i < n
                        and any(h[0] >= ruled_at for h in clause) and self._ruled_out_ends(toks, i)):
                    opens = True  # "After ruling out surprise, fear is the answer": the opening
                    ruled_at = -1  # phrase rules out its own classes only
                if (not opens and kind == _COMMA and clause_neg and neg_tok == "without"
                        and not any(h[0] > neg_at for h in clause) and i < n
                        and toks[i] not in _NEGATING_WORDS):
                    opens = True  # "Without making assumptions, the expression is anger"
                if (not opens and clause_neg and kind == _COMMA and i + 2 < n
                        and (toks[i] in _ANSWER_NOUNS and toks[i + 1] in _ANSWER_VERBS
                             or toks[i + 1] in _ANSWER_NOUNS and toks[i + 2] in _ANSWER_VERBS
                             and not self._class_at(toks, i))):
                    opens = True  # "With no action units, the inferred emotion is neutral"
                if (not opens and clause_neg and kind == _COMMA and toks[i - 2] in _OPTION_NOUNS
                        and neg_tok == "not" and not any(h[0] > neg_at for h in clause)):
                    opens = True  # "Since contempt isn't among the options, disgust"
                if not opens and tok == "," and clause_neg and i + 1 < n and toks[i + 1] == ":":
                    opens = True  # '{"emotion": "none", "category": "neutral"}': a new field
                if not opens and tok == "," and clause_neg and toks[i - 3 : i - 1] == ["or", "not"]:
                    opens = True  # "Whether the smile is posed or not, the label is happiness"
                if (not opens and tok == "," and clause_neg and 0 <= if_at and neg_at < if_at
                        and (if_at == sent_tok or toks[if_at - 1] in (",", ":")
                             or toks[if_at - 1] in (";", "-")  # "...; if I must pick one, X"
                             and any(t in _HEDGING_IF for t in toks[if_at + 1 : i - 1]))
                        and not any(h[0] > if_at for h in clause)):
                    opens = True  # "If I had to pick a category, neutral is closest"
                if not opens and kind == _COMMA and clause_neg and if_at >= 0 and i < n:
                    length = self._class_at(toks, i)
                    if length and i + length < n and toks[i + length] == "if":
                        opens = True  # "surprise if it's good news, fear if it's bad": parallel
                if tok == ":" and i - 1 - sent_tok >= 3:  # not a short field label ("Brows:")
                    part_tok, part_hits = i, len(hits) + len(clause)
                if listing and kind == _COMMA and self._list_item(toks, i):
                    marks.append((i - 1, i - 1, _GENERIC, 1 << 30))  # "Options: surprise -
                    # raised brows, fear - tense lips": the next item
                if kind == _COMMA or opens:
                    sent_pos = (segment and _settle(segment, seg_neg)) or sent_pos
                    seg_neg = False
                if kind == _COMMA and (concessive_comma or concessive and tok == ":"):
                    # a concession ends at its comma, or at a colon: "Not anger, even though
                    # the brows are lowered: the curled lip is disgust"
                    _close(hits, clause, marks, alternatives, sentence, ASIDE, False, toks,
                           self._class_at)
                    concessive = concessive_comma = False
                    clause_neg = False
                elif opens:
                    clause_neg = False
                    if if_at >= 0 and kind == _COMMA and self._hypothetical(toks, if_at, i):
                        hypothetical = True  # "If she were smiling, I'd say happy": not said of her
                    if_at = -1
            else:  # clause or sentence end, or a concessive conjunction
                sent_pos = (segment and _settle(segment, seg_neg)) or sent_pos
                other = _close(hits, clause, marks, alternatives, sentence,
                               ASIDE if concessive else PLAIN, hypothetical, toks, self._class_at,
                               carry=kind != _SENT)
                clause_neg = seg_neg = lack = hypothetical = False
                concessive = concessive_comma = False
                compare_at, compare_word = -1, ""
                between_at = if_at = -1
                if listing and kind != _SENT:
                    if self._list_item(toks, i):  # "Options: happiness - no smile; surprise -
                        marks.append((i - 1, i - 1, _GENERIC, 1 << 30))  # brows low": an item
                elif kind == _SENT:
                    listing = False
                if tok in CONTRAST or tok in _CONTRASTING or tok == ";":
                    contrasted = True  # "the emoji is laughing; she herself is deadpan"
                if tok == ";":
                    part_tok, part_hits = i, len(hits)
                if kind == _CONCEDE:
                    # "the crowd looks angry, while she looks calm": two people contrasted
                    concessive = not (other and tok in _CONTRASTING)
                    # one that opens its sentence, or follows a colon, ends at its comma
                    concessive_comma = concessive and (
                        not sent_words or (i - length > 0 and toks[i - length - 1] == ":"))
                    sent_words = True
                elif kind == _SENT:
                    asked = None
                    if yes_to is not None and len(hits) == sent_start and not contrasted:
                        _promote(hits, *yes_to)  # the "Yes" sentence added no class, no "but"
                    yes_to = None
                    if (sentence and last_end == i - 2 and not _numbered(toks, sent_tok)
                            and _closes_bare(hits, last_start, sent_start, sent_tok, part_tok, part_hits)):
                        # "Surprise." or "...; surprise." after reasoning: the answer if last
                        bare = len(hits) - 1
                    elif sent_words:
                        bare = -1
                    if "?" in tok:
                        _demote(hits, sent_start)
                        asked = (sent_start, len(hits))
                    if first is None and (sent_pos or (sent_words and not sent_neg)):
                        first = sentence
                    sentence += 1
                    sent_start = len(hits)
                    sent_tok = i
                    part_tok = ruled_at = -1
                    sent_neg = sent_pos = sent_words = contrasted = False
        sent_pos = (segment and _settle(segment, seg_neg)) or sent_pos
        _close(hits, clause, marks, alternatives, sentence, ASIDE if concessive else PLAIN,
               hypothetical, toks, self._class_at)
        if first is None and (sent_pos or (sent_words and not sent_neg)):
            first = sentence
        if (sentence and last_end == n - 1 and not _numbered(toks, sent_tok)
                and _closes_bare(hits, last_start, sent_start, sent_tok, part_tok, part_hits)):
            bare = len(hits) - 1  # the same for a last sentence without its full stop
        elif sent_words:
            bare = -1
        if bare >= 0 and hits[bare].strength == PLAIN:
            h = hits[bare]  # a closing "Surprise." after the reasoning is the answer
            hits[bare] = Hit(h.sentence, h.key, False, ANSWER, h.fuzzy)
        return Scan(tuple(hits), first, " ".join(toks))


def _closes_bare(hits: list[Hit], last_start: int, sent_start: int, sent_tok: int,
                 part_tok: int, part_hits: int) -> bool:
    """True when the last hit, asserted, is all its sentence holds (from ``sent_tok``, hits
    from ``sent_start``) or all of the sentence's last part after ";" or a colon (from
    ``part_tok``, hits from ``part_hits``); the caller checks that it ends the sentence."""
    return bool(hits) and not hits[-1].negated and (
        len(hits) == sent_start + 1 and last_start == sent_tok
        or part_tok > sent_tok and last_start == part_tok and len(hits) == part_hits + 1)


def _numbered(toks: list[str], sent_tok: int) -> bool:
    """True when the sentence starting at ``toks[sent_tok]`` is an item of a numbered list
    ("... 2. neutral"): no closing bare-class answer."""
    return sent_tok > 1 and toks[sent_tok - 2].isdigit()


def _carry_second_looks(marks: list[tuple[int, int, int, int]],
                        unmarked: list[tuple[int, int, int, int]]) -> None:
    """Empty ``marks`` but for the second looks of ``unmarked``, which now reach on to the
    next clause of the sentence."""
    kept = [(pos, end, value, 1 << 30) for pos, end, value, _ in unmarked if value == REVISE]
    marks.clear()
    marks.extend(kept)


def _settle(segment: list[list], seg_neg: bool) -> bool:
    """Apply a statement of absence to the comma part's hits; True if any stays asserted."""
    positive = False
    for hit in segment:
        if seg_neg:
            hit[2] = True
        positive = positive or not hit[2]
    segment.clear()
    return positive


#: what may follow the last class of a field value that gives two ("Label: fear/surprise
#: (equal)", "Emotion: anger, disgust 0.5 0.5", "Expression: Sad/Neutral | Confidence: low")
_BARE_NEXT = frozenset(("equal", "equally", "tied", "tie", "both", "all", "confidence",
                        "simultaneously", "alike", "uncertain", "unsure", "undecided", "unclear",
                        "either"))


def _joined(clause: list[list], live: list[int], end: int, reach: int,
            toks: list[str], class_at: Callable[[list[str], int], int]) -> list[int]:
    """The clause hits an answer marker or field ending at ``end`` gives: the first class after
    it (within ``reach``) and each class joined bare to it ("happiness / anger", "fear,
    sadness"). A joined class must end the value: "surprise, fear close second", "sadness,
    neutral as backup", "happy, sad, neutral (in that order)" give the first only."""
    chain: list[int] = []
    for k in live:
        at = clause[k][0]
        if not chain:
            if end < at <= reach:
                chain.append(k)
            continue
        prev = clause[chain[-1]][0]
        prev_end = prev + max(class_at(toks, prev), 1) - 1
        gap = at - prev_end
        if (gap == 1 or gap == 2 and toks[prev_end + 1] in _JOINERS
                or gap == 3 and toks[prev_end + 1] == "," and toks[prev_end + 2] in ("and", "or")):
            chain.append(k)
        else:
            break
    if len(chain) > 1:
        last = clause[chain[-1]][0]
        if not _ends_value(toks, last + max(class_at(toks, last), 1)):
            chain = chain[:1]
    return chain


def _ends_value(toks: list[str], k: int) -> bool:
    """True when the classes an answer or a field joins end its value at ``toks[k]``: the end
    of its clause or line, a score, the next field ('"confidence": 0.5'), or a word that says
    the classes are equal ("tied", "at the same time", "in equal parts")."""
    n = len(toks)
    if k >= n:
        return True
    tok = toks[k]
    if tok == "," and k + 1 < n and (toks[k + 1] in _BARE_NEXT or k + 2 < n and toks[k + 2] == ":"):
        k += 1  # '{"emotion": ["fear", "sadness"], "confidence": ...': the next field
        tok = toks[k]
    return (tok[0] in ".!?;\n-" or tok in _BARE_NEXT or tok.isdigit()
            or k + 1 < n and toks[k + 1] == ":" or toks[k : k + 2] in (["at", "same"], ["in", "equal"]))


def _close(hits: list[Hit], clause: list[list], marks: list[tuple[int, int, int, int]],
           alternatives: list[tuple[int, int, int]], sentence: int, base: int,
           hypothetical: bool, toks: list[str], class_at: Callable[[list[str], int], int],
           carry: bool = False) -> bool:
    """Give the clause's hits their strength and store them.

    A marker marks the nearest asserted mention after it within :data:`REACH` tokens, else the
    nearest before it ("anger at first"); a mention marked twice takes ``ASIDE`` if either
    marker sets it aside, else the nearer marker's strength; unmarked mentions get ``base``.
    Two mentions on either side of an "or" are alternatives: both get the stronger strength,
    so "could be fear or surprise" stays a tie; so do all the mentions of a comma list the "or"
    ends ("happiness, surprise, or even embarrassment"). A retraction sets aside every mention before
    it, and a general "both X and Y" both of its classes, whatever else marks them; so does a
    ``hypothetical`` clause every mention. True when a marker of another person set a mention
    aside (or stood in a clause without one). With ``carry`` (a clause, not a sentence, ends),
    a second look that found nothing to mark goes on to the next clause: "Actually, looking
    again, the smile doesn't reach the eyes; it's neutral."
    """
    if not clause:  # "the crowd is cheering, while he looks calm": still someone else's clause
        if not marks:  # (most clauses: nothing to carry)
            alternatives.clear()
            return False
        other = any(value == OTHER for _, _, value, _ in marks)
        _carry_second_looks(marks, marks if carry else [])
        alternatives.clear()
        return other
    if hypothetical:
        base = ASIDE
    if not marks and not alternatives or hypothetical:
        marks.clear()
        alternatives.clear()
        hits.extend(Hit(sentence, key, negated, base, fuzzy) for _, key, negated, fuzzy in clause)
        clause.clear()
        return False
    strength: dict[int, tuple[int, int]] = {}  # hit index -> (distance, strength)
    unmarked: list[tuple[int, int, int, int]] = []  # second looks that found nothing here
    live = [k for k, h in enumerate(clause) if not h[2]]
    forced: list[int] = []  # set aside whatever else marks them
    equal: list[int] = []  # made equal by a closing "both"
    other = False
    if marks:
        for pos, end, value, reach in marks:
            if value == _RETRACTED:
                forced.extend(k for k in range(len(clause)) if clause[k][0] < pos)
                continue
            if value == _GENERIC:
                forced.extend(k for k in live if pos < clause[k][0] <= reach)
                continue
            if value == _EQUAL:
                equal.extend(k for k in live if clause[k][0] < pos)
                continue
            if value == _HEADED or value == _FIELD:
                # an answer marker or a field: the first class after it, and each one joined
                # bare to it ("Answer: happiness / anger", "Label: sadness/neutral", "Final
                # answer: mixed (happiness/sadness)"): two are a tie, not the first; with none
                # after it, the nearest before it ("Sad is my final answer")
                marked = _joined(clause, live, end, reach, toks, class_at)
                if not marked and value == _HEADED:
                    marked = [k for k in live if 0 < pos - clause[k][0] <= REACH][-1:]
                given = ANSWER if value == _HEADED else HEADED
                for k in marked:
                    have = strength.get(k)
                    if have is None or have[1] != ASIDE and (given == ANSWER or have[1] < given):
                        strength[k] = (abs(clause[k][0] - end), given)
                continue
            after = [k for k in live if end <= clause[k][0] <= reach]
            before = [] if value == OTHER else [k for k in live if 0 < pos - clause[k][0] <= REACH]
            if after:
                k = after[0]
                d = clause[k][0] - end
            elif before:
                k = before[-1]
                d = pos - clause[k][0]
            else:
                if value == REVISE and carry:
                    unmarked.append((pos, end, value, reach))
                continue
            if value == OTHER:
                value = ASIDE
                other = True
            elif value == _CORRECTED:
                value, d = MAJOR, -1  # nearer than any other marker
            have = strength.get(k)
            if (have is None or value == ASIDE
                    or (have[1] != ASIDE and (value == ANSWER or (have[1] != ANSWER and d < have[0])))):
                strength[k] = (d, value)
        _carry_second_looks(marks, unmarked)
    values = [strength[k][1] if k in strength else base for k in range(len(clause))]
    if alternatives:
        for pos, hedged, start in alternatives:
            left = [k for k in live if clause[k][0] < pos]
            right = [k for k in live if pos < clause[k][0] < (hedged or 1 << 30)]
            # the rest of a comma list the "or" ends ("happy, sad, or angry"), unless set aside
            listed = [k for k in left[:-1] if clause[k][0] >= start and values[k] != ASIDE]
            if (left and right and hedged and toks[pos + 1] in _SOFT_OR
                    and values[left[-1]] in (ANSWER, HEADED)):
                values[right[0]] = MINOR  # "Answer: happiness, or maybe surprise": a hedge
                continue
            if left and right:
                joined = [*listed, left[-1], right[0]]
            elif left and listed and not hedged:  # "happiness, surprise, or even embarrassment"
                joined = [*listed, left[-1]]
            else:
                joined = []
            if joined:
                top = max(values[k] for k in joined)
                for k in joined:
                    values[k] = top
            elif left and hedged:  # "happy or just being polite": not settled; nor is a
                for k in (*listed, left[-1]):  # list ("happy, surprised, or even embarrassed")
                    values[k] = ASIDE
    alternatives.clear()
    if equal:
        top = max(values[k] for k in equal)
        for k in equal:
            values[k] = top
    for k in forced:
        values[k] = ASIDE
    for k, (_, key, negated, fuzzy) in enumerate(clause):
        hits.append(Hit(sentence, key, negated, values[k], fuzzy))
    clause.clear()
    return other


def _promote(hits: list[Hit], start: int, end: int) -> None:
    """The mentions of a question the writer answers "Yes" are asserted."""
    for k in range(start, end):
        h = hits[k]
        hits[k] = Hit(h.sentence, h.key, h.negated, PLAIN, h.fuzzy)


def _demote(hits: list[Hit], start: int) -> None:
    """Every mention of a question is set aside."""
    for k in range(start, len(hits)):
        h = hits[k]
        if h.strength > ASIDE:
            hits[k] = Hit(h.sentence, h.key, h.negated, ASIDE, h.fuzzy)


__all__ = ["ANSWER", "ASIDE", "MAJOR", "MINOR", "PLAIN", "REVISE", "DiscourseMatcher", "MARKERS",
           "discourse_tokens"]
