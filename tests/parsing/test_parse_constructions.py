"""synonym_class on the constructions of issue 13: comparisons ("less X, more Y"), corrections
after a comma ("not X, Y"), rejections ("X would be wrong"), asides ("often confused with X"),
secondary emotions ("X tinged with Y"), conclusions ("Putting it together, ..."), alternatives
that are not classes ("X or just tired"), other people in the picture, names of things
("a 'Happy Birthday' banner"), words that name no emotion of the face ("surprise party", "smile
lines", "I'm afraid"), and ambiguous answers told apart from refusals.

The phrasings are written for these tests (benchmarks/data/ measures, it does not specify);
each adversarial pair changes a few words so that the right read flips."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facebench.parsing import parse
from facebench.parsing.discourse import ANSWER, MARKERS, RETRACTING, RETRACTING_FIELDS, REVISE
from facebench.parsing.synonyms import _stops_in
from facebench.types import REFUSAL
from tests.parsing.helpers import RAFDB, expression_ctx

CTX = expression_ctx()

COMPARISON = [
    ("She seems less angry and more disgusted.", "disgust"),
    ("Less fear, more surprise.", "surprise"),
    ("It's less about sadness and more about anger.", "anger"),
    ("He looks less happy than sad.", "sadness"),
    ("Not so much sad as scared.", "fear"),
    ("Not fear, more like surprise.", "surprise"),
    ("not happy, more sad", "sadness"),
]

CORRECTION = [
    ("not angry, scared", "fear"),
    ("Not sad, happy.", "happiness"),
    ("Not surprised, clearly afraid.", "fear"),
    ("Not neutral, angry, with a hint of disgust.", "anger"),
    ("Is she happy? Not at all, sad.", "sadness"),
]

REJECTION = [
    ("Happiness would be wrong; she is clearly sad.", "sadness"),
    ("Calling this anger is incorrect, it is disgust.", "disgust"),
    ("Fear is ruled out, she is surprised.", "surprise"),
    ("Neutral doesn't fit; the person looks annoyed.", "anger"),
    ("Sadness is not correct here, the man looks calm.", "neutral"),
    ("We ruled out fear; the face shows surprise.", "surprise"),
]

ASIDE = [
    ("This is easily confused with anger, but it is disgust.", "disgust"),
    ("My first impression was sadness, but she is actually neutral.", "neutral"),
    ("I considered fear, but the expression is surprise.", "surprise"),
    ("Outwardly calm, inwardly terrified.", "fear"),
    ("A smile masking deep sadness.", "sadness"),
    ("She is hiding her fear behind a smile.", "fear"),
]

SECONDARY = [
    ("Anger tinged with disgust.", "anger"),
    ("Fear laced with surprise.", "fear"),
    ("Happiness, and to a lesser extent surprise.", "happiness"),
    ("Surprise and, to a smaller degree, fear.", "surprise"),
    ("Primarily surprise; happiness less so.", "surprise"),
    ("Joy with a note of surprise.", "happiness"),
    ("Surprised, bordering on scared.", "surprise"),
    ("Overwhelmingly sad, with a whiff of anger.", "sadness"),
]

CONCLUSION = [
    ("The brows rise and the jaw drops, maybe fear. Putting it all together, surprise.",
     "surprise"),
    ("I see a slight smile. On balance, the expression is neutral.", "neutral"),
    ("The lips are pressed, could be anger. Taken together, the cues point to disgust.",
     "disgust"),
    ("There is a faint smile. So the expression is neutral.", "neutral"),
    (("At first I notice a grin, which hints at joy. All things considered, I think the face "
      "is frightened rather than happy."), "fear"),
]

OTHER_PEOPLE = [
    ("The child behind her is laughing, yet she looks scared.", "fear"),
    ("The crowd is cheering, but he seems sad.", "sadness"),
    ("The person next to her is grinning, but she is frightened.", "fear"),
    ("Someone else in the frame looks angry; she is calm.", "neutral"),
    ("She smiles at the photographer.", "happiness"),  # a mention before them is hers
    ("The crowd makes her anxious.", "fear"),  # "her": about her again
    ("She stands next to her crying son and looks worried.", "fear"),
]

THINGS = [
    ("His shirt says 'Stay Happy', but his face is angry.", "anger"),
    ("A 'Fear Factor' poster hangs behind the calm man.", "neutral"),
    ("She holds a card that reads \"Happy Birthday\" and she is smiling.", "happiness"),
    ('The man is watching a movie called "Joy" and looks disgusted.', "disgust"),
    ('The expression is "Happy".', "happiness"),  # a quoted answer is kept
    ("The banner above her says 'JOY', but she looks angry.", "anger"),
    ("A mug with 'Smile' printed on it stands beside the sad man.", "sadness"),
    ("'Good luck!' is written on the card, and she looks terrified.", "fear"),
]

VOCABULARY = [
    ("She is crying tears of joy.", "happiness"),
    ("Happy tears are streaming down his face.", "happiness"),
    ("He is crying with laughter.", "happiness"),
    ("She couldn't be happier.", "happiness"),
    ("He looks absolutely gobsmacked.", "surprise"),
    ("Her jaw dropped.", "surprise"),
    ("He is clearly pissed off.", "anger"),
    ("She seems on edge.", "fear"),
    ("He looks heavy-hearted.", "sadness"),
    ("The kids are giggly.", "happiness"),
    ("The boy is scarred of the spider.", "fear"),  # a misspelling no real word explains
]

NOT_THE_FACE = [
    ("I'm happy to help! The person looks surprised.", "surprise"),
    ("I'm afraid the person looks angry.", "anger"),
    ("To my surprise, the man looks calm.", "neutral"),
    ("She looks surprisingly calm.", "neutral"),
    ("He has deep smile lines but looks furious.", "anger"),
    ("Worry lines on the forehead, but she is relaxed and calm.", "neutral"),
    ("She is photographed against a neutral background and she is beaming.", "happiness"),
    ("The person is at a surprise party and looks calm.", "neutral"),
    ("Everyone sings happy birthday, and the girl looks sad.", "sadness"),
    ("She is watching a horror movie and looks thrilled.", "happiness"),
]

# a first or small view set aside, a second or closer one asserted; "though" as an adverb
# concedes nothing; a marker that ends its comma part marks the mention before it
CLOSER_LOOK = [
    ("His brows suggest anger initially. Looking again, though, the curled lip shows disgust.",
     "disgust"),
    ("At first glance she seems calm. On a second look, though, she is clearly scared.", "fear"),
    ("He is grinning, though.", "happiness"),
    ("In the thumbnail she seems calm; at full resolution she is plainly furious.", "anger"),
    ("At a quick glance he is smiling, but up close he looks terrified.", "fear"),
    ("Scaled down it looks neutral, but zoomed in the eyes are clearly sad.", "sadness"),
    ("On further inspection the face shows disgust rather than anger.", "disgust"),
    ("Happy at first, then sad.", "sadness"),
    ("Angry initially, then disgusted.", "disgust"),
    ("Calm in the thumbnail, frightened at full size.", "fear"),
]

# an earlier read the writer takes back
EARLIER_READ = [
    ("Let me revise my previous answer of sadness: he is calm.", "neutral"),
    ("Scratch my initial guess of happiness, the expression is surprise.", "surprise"),
    ("My first reading was fear; the open mouth and raised brows say astonished.", "surprise"),
]

# what people in general make of such a look is not the writer's read
PEOPLE_IN_GENERAL = [
    ("Many people would call this look anger, yet the wrinkled nose shows disgust.", "disgust"),
    ("Some people read this as calm, but her trembling lip says sadness.", "sadness"),
    ("This look is often labelled fear, but here it is plain surprise.", "surprise"),
]

# "sacred" said of a face is a swapped "scared"; short synonyms ("fear", "calm") are misspelt too
TYPOS = [
    ("He looked sacred when the door slammed.", "fear"),
    ("A sacred look on her face.", "fear"),
    ("Pure faer in his eyes.", "fear"),
    ("He seems caln.", "neutral"),
]

# a later sentence takes back what came before: the next class decides
RETRACTION = [
    ("Neutral at a glance. Correction: she is mildly disgusted.", "disgust"),
    ("Sadness. Hmm, let me revise that: she is scared.", "fear"),
    ("I said surprise; scratch that, it's fear.", "fear"),
    ("Calm. I take that back, he is furious.", "anger"),
    ("Happy. On second thought, she is sad.", "sadness"),
    ("Joyful. Wait, I'm revising my read to anxious.", "fear"),
]
# what some would call it, before the writer's own call
OTHERS_WOULD_CALL = [
    ("Some might label this sadness. I read it as fear.", "fear"),
    ("One could call it calm. To me he looks irritated.", "anger"),
    ("Others would read this as disgust. She looks angry to me.", "anger"),
    ("Many would describe him as surprised. I see terror.", "fear"),
]
# the writer's pick, or a "Conclusion:" heading, after hedged reasoning
WRITER_PICK = [
    ("It could be surprise given the open mouth. The brows are lowered. I'd go with anger.",
     "anger"),
    ("Maybe sad, maybe tired. I will go with sadness.", "sadness"),
    ("Possibly disgust at first. Conclusion: anger.", "anger"),
    ("Observations: wide eyes, tense lips, a hint of surprise. Conclusion: fear.", "fear"),
]
# features that fear shares with surprise, and words for fear, disgust or shock, do not vote
FEATURES = [
    ("Raised eyebrows, dropped jaw: she is terrified.", "fear"),
    ("Raised eyebrows, dropped jaw: she is astonished.", "surprise"),
    ("AU1, AU2 and AU26 are active: brows up, jaw dropped. He is frightened.", "fear"),
    ("His jaw dropped when the lights came on.", "surprise"),
]
# the class the face is compared against is not asserted
COMPARED_AGAINST = [
    ("The expression differs from surprise because the brows are drawn together; it is fear.",
     "fear"),
    ("What sets it apart from sadness is the tight jaw. He looks angry.", "anger"),
    ("This is different from happiness; he is simply calm.", "neutral"),
]
# "both X and Y <verb>" said of the classes in general, not of this face
GENERIC_PAIR = [
    ("Both anger and disgust involve a lowered brow. Here the nose wrinkles, so disgust.",
     "disgust"),
    ("Fear and surprise both include widened eyes; the loose jaw points to surprise.",
     "surprise"),
    ("Both sadness and fear share raised inner brows, but her lips tremble in grief.",
     "sadness"),
]
# someone else's emotion, then "while"/"whereas" hers: two people contrasted, nothing conceded
CONTRASTED_PEOPLE = [
    ("The crowd is laughing, whilst she looks worried.", "fear"),
    ("The man beside her looks sad, whereas she is smiling.", "happiness"),
    ("In the background the guests cheer happily, while the groom seems nervous.", "fear"),
]
# a neutral colour or setting is the picture's
SETTINGS = [
    ("Against a neutral beige wall, he scowls.", "anger"),
    ("A neutral grey backdrop; the woman grins.", "happiness"),
    ("Neutral-toned studio lighting, and she looks miserable.", "sadness"),
]
# a fronted "instead of X," / "rather than X," ends at its comma before "I'd", "I'm"
FRONTED_NEGATION = [
    ("Rather than fear, I'd say she is surprised.", "surprise"),
    ("Instead of sadness, I'm reading mild anger.", "anger"),
    ("Instead of calm, I'd call it slight irritation.", "anger"),
]

# "X, or rather Y" corrects within its clause
OR_RATHER = [
    ("Fear, or rather shock, judging by the gaping mouth.", "surprise"),
    ("Calm, or rather quietly terrified.", "fear"),
    ("He seems annoyed, or rather disgusted by the smell.", "disgust"),
]
# the person asked about, told apart from someone or something named before a contrast
THE_SUBJECT = [
    ("The waiter is grinning, but the customer - the person in question - looks disgusted.",
     "disgust"),
    ("The cake looks cheerful, but the boy himself is sulking and miserable.", "sadness"),
    ("His dog seems scared, but the man in the foreground is perfectly calm.", "neutral"),
    ("The mural is full of angry faces, yet her own face is serene.", "neutral"),
]
# a colon ends a negation's scope: what follows it explains
COLON = [
    ("This isn't sadness: the lowered brows and the glare make it anger.", "anger"),
    ("Not fear: the open mouth and high brows mean astonishment.", "surprise"),
    ("No joy here: she looks gloomy.", "sadness"),
]
# everyday words, and idioms whose words are no class
MORE_VOCABULARY = [
    ("She looks cross with the dog.", "anger"),
    ("His face is blank and gives nothing away.", "neutral"),
    ("A matter-of-fact look, nothing more.", "neutral"),
    ("As a matter of fact, he looks terrified.", "fear"),
    ("She is mad about horses and grinning widely.", "happiness"),
    ("Arms crossed, he stands there looking calm.", "neutral"),
    ("Honestly, she's over the moon.", "happiness"),
    ("The coach has a face like thunder.", "anger"),
    ("He looks down in the dumps today.", "sadness"),
    ("Stony-faced throughout.", "neutral"),
    ("There's barely concealed disgust in the curl of her lip.", "disgust"),
]
# a negated marker marks nothing; a first thought is set aside; others' emotions stay theirs
NEGATED_MARKER = [
    (("Maybe fear, maybe surprise. The brows say surprise, the mouth says fear; neither "
      "dominates."), None),
    ("Possibly sad, possibly angry; none of them clearly dominates.", None),
    ("The dimple made me think of a smile, but it is his resting face; I'd say calm.", "neutral"),
    ("A party, with friends cheering around her; she herself looks lost and tearful.", "sadness"),
    ("Everyone around him is laughing, and he looks furious.", "anger"),
    ("The puppy on her lap looks thrilled, while she seems bored and blank-faced.", "neutral"),
    ("The shirt he's wearing says 'LOL', but he looks gloomy.", "sadness"),
]
# ranked lists and shares: the first rank, or the largest share, is the answer
RANKED = [
    ("1. Disgust 2. Anger 3. Fear", "disgust"),
    ("1. Neutral (50%)\n2. Sadness (30%)\n3. Anger (20%)", "neutral"),
    ("Happiness: 15%, Surprise: 75%, Fear: 10%", "surprise"),
    ("I'd put it at 60% fear and 40% surprise.", "fear"),
    ("Anger (40%), disgust (40%), contempt-like sneer (20%)", None),
    ("Scores: sadness 0.61, neutral 0.30, fear 0.09", "sadness"),
    ("My ranking - 1) Anger 2) Disgust 3) Fear", "anger"),
    ("1. Eyes narrowed 2. Lips pressed. Conclusion: anger.", "anger"),  # observations, not ranks
]
# the writer takes back its own read, sets one aside "if not for" a cue, or imagines a look
SELF_CORRECTION = [
    ("My first read was sadness; that was wrong, the drooping lids are just sleepiness. Calm.",
     "neutral"),
    ("I'd have said calm at first, but that's wrong: the clenched jaw shows fury.", "anger"),
    ("Sadness would be my guess if not for the lifted cheeks; so joy.", "happiness"),
    (("She'd look angry if her brows were lowered, but they're raised and her mouth hangs "
      "open: astonishment."), "surprise"),
    ("He'd look terrified with wider eyes; as it is he is merely calm.", "neutral"),
]
# a comma before a verb of indication ends the negation; an em dash joins clauses
CUES_AFTER_A_NEGATION = [
    ("The lowered brows, with no smile anywhere, suggest anger.", "anger"),
    ("She doesn't look angry\u2014I'd call it disgust.", "disgust"),
]
# things a person cannot square, and a choice "between" two classes
NO_SINGLE_CLASS = [
    ("He is grinning and happy, yet there's fury in his face and no happiness at all.", None),
    ("Conclusion: somewhere between fear and surprise.", None),
    ("Conclusion: torn between sadness and calm; I can't pick one.", None),
]
# words that are not about the face
NOT_THE_FACE_EITHER = [
    ("The chart reads 'Brows: neutral position', and she is grinning.", "happiness"),
    ("Brows in a neutral position; lips pulled up in a grin.", "happiness"),
    ("I can't judge feelings from faces, but I'd be happy to describe her outfit.", None),
    ("A sad day for the fans, yet the striker himself looks elated.", "happiness"),
    ("She looks sick to her stomach.", "disgust"),
    ("His expression is blank.", "neutral"),
    ("Eyebrows neutral, cheeks lifted, lips parted in a wide grin.", "happiness"),
    ("Lips neutral, eyes wide with terror.", "fear"),
    ("He's feeling down today.", "sadness"),
    ("She looks normal, not happy and not sad.", "neutral"),
    ("Nose scrunched, upper lip raised.", "disgust"),
    ("Her face shows no visible emotion.", "neutral"),
]
# a second look or a self-correction in a later sentence corrects a plain first sentence
REVISED = [
    ("The man appears calm. Actually, looking again, his jaw is clenched in fury.", "anger"),
    ("She seems happy. On closer inspection, her eyes are fearful.", "fear"),
    ("It looks like surprise. In fact, the brows are knitted and the eyes are scared.", "fear"),
]
# emoji, tables and closing "both"
FORMATS = [
    ("\U0001F622", "sadness"),
    ("Answer: \U0001F621", "anger"),
    ("| Emotion | Score |\n|---|---|\n| Fear | 0.2 |\n| Disgust | 0.7 |", "disgust"),
    ("She is furious and a bit disgusted, both.", None),
    ("Not fear: though her eyes are wide, the lowered brows and bared teeth say rage.", "anger"),
    ("Relaxed brows, closed lips -> neutral.", "neutral"),
    ("Emotion: Fear | Confidence 0.6 | Runner-up: Surprise 0.3", "fear"),
    ("Final: disgusted.", "disgust"),
]
# earlier reads, self-answered questions, degrees, and figures with faces of their own
EARLIER_AND_ASKED = [
    ("On reflection, I'll revise my earlier 'anger': the nose is wrinkled. Disgust.", "disgust"),
    ("Hmm, I'd said calm, but the lips tremble. It's sadness.", "sadness"),
    ("Is he angry? No. Is he scared? Yes, clearly.", "fear"),
    ("She is happy, while the man sitting beside her looks rather irritated.", "happiness"),
    ("The mascot behind her is grinning; she herself looks gloomy.", "sadness"),
    ("He isn't really sad so much as irritated.", "anger"),
    ("Her face is without emotion, like an ID photo.", "neutral"),
    ("He looks ready to blow a fuse.", "anger"),
    ("A mix of both: happy in the mouth, sad in the eyes.", None),
    ("He is forcing a grin, yet his eyes are full of dread.", "fear"),
    ('{"label": "anger", "score": 0.8, "alt": "disgust"}', "anger"),
    ("Had her mouth been open I'd call it fear, but it is closed and she is simply calm.",
     "neutral"),
    ("My first instinct leaned to sadness, but the bright eyes change my mind: happiness.",
     "happiness"),
    ("Happy faces crinkle at the eyes; this one doesn't. She is sad.", "sadness"),
    ("Order: surprise > fear > neutral", "surprise"),
    ("Split evenly between anger and disgust.", None),
]
# conditionals, closing verdicts, structured values and who the emotion belongs to
ROUND_19 = [
    ("If he were grinning, I'd call it joy; he isn't. He looks calm.", "neutral"),
    ("If I had to guess, I'd say she is sad.", "sadness"),
    ("Were the lips pressed, I'd say anger. Instead the nose wrinkles: disgust.", "disgust"),
    ("The cheeks are raised and the eyes crinkle. The mouth is open. Happiness.", "happiness"),
    ("Looks like fear... wait, no. The brows are high and smooth. Surprise.", "surprise"),
    ('{"emotion": ["anger", "disgust"], "primary": null}', None),
    ("The sticker on the laptop shows a laughing cat, and his own face is perfectly calm.",
     "neutral"),
    ("The poster they're holding says 'SMILE', but they look furious.", "anger"),
    ("The fans around him are cheering, while he sits there calm and unmoved.", "neutral"),
    ("Wide eyes and a tense mouth without any smile point to fear.", "fear"),
    ("A faint smile, too weak to call happiness. I'd label it neutral.", "neutral"),
    ("Something between a smile and a wince.", None),
    ("She seems either sad or sleepy; hard to say which.", None),
    ("I can't really see her face in this shot.", None),
]
ROUND_21 = [
    ("Normal face, nothing special, calm.", "neutral"),
    ("He gives a sad smile; the feeling is sorrow.", "sadness"),
    ("She is trying to smile, but her eyes are wet with tears.", "sadness"),
    ("Happy and sad at the same time.", None),
    ("Cues: a half smile on one side, a frown on the other. Expression: mixed.", None),
    ("Label: calm | Scores: happiness 0.6, neutral 0.4", None),  # keyed label vs scores
    ("| Emotion | Score |\n|---|---|\n| Anger | 6/10 |\n| Fear | 3/10 |", "anger"),
    ("Scores: sadness: 7, fear: 2, anger: 1", "sadness"),
    ('{"label": "disgust", "alternatives": ["anger"]}', "disgust"),
    ("A grinning clown balloon floats by, and the boy looks terrified.", "fear"),
    ("Not anger: anger doesn't come with a wrinkled nose. It's disgust.", "disgust"),
    ("The card he holds reads 'You're awesome!', but he seems gloomy.", "sadness"),
    ("The lips press together, which can signal anger. The most plausible label is calm.",
     "neutral"),
]
# the new rules must not reach too far: found by an independent review of the round
NOT_OVERREACHING = [
    ("Is she angry? Yes, a little, but mainly she looks disgusted.", "disgust"),
    ("Is she sad? Yes and no. She mostly looks neutral.", "neutral"),
    ("Is she scared? Yes, no, maybe - hard to tell.", None),
    ("The woman holding the dog looks happy, with a hint of surprise.", "happiness"),
    ("The dog owner looks furious, with a trace of disgust.", "anger"),
    ("The man in the bear suit looks surprised, with maybe a hint of fear.", "surprise"),
    ("She looks happy. Fear would actually require wide eyes.", "happiness"),
    ("She looks surprised. Upon closer inspection, fear seems less likely.", "surprise"),
    ("She looks happy. In fact, neutral would be a poor label here.", "happiness"),
    ("She looks calm. Actually, a sad person would have drooping eyelids.", "neutral"),
    ("She looks sad. People actually often confuse this with fear.", "sadness"),
    ("Not detected: sadness. Expression: neutral.", "neutral"),
    ("I don't see: tears, a frown, or sadness. She looks happy.", "happiness"),
    ("If I zoom in, I'd say disgust, though there may be a trace of anger.", "disgust"),
    ("Were I to choose, I'd pick anger.", "anger"),
    ("The final frame shows her smiling, but here she looks angry.", None),
    ("The man wears a normal expression of mild annoyance.", "anger"),
    ("He looks cross-eyed and happy.", "happiness"),
    ("Anger wins out over disgust here.", None),
]
# candidate lists and picks
CANDIDATE_LISTS = [
    ("Candidates: anger, disgust. Picking disgust.", "disgust"),
    ("Options: fear, surprise. Choosing surprise, as the brows are smooth.", "surprise"),
    ("Candidates: neutral, sadness. Sadness, given the wet eyes.", "sadness"),
    ("Top pick joy, backup surprise.", "happiness"),
    ("Two options: calm or a faint smile. I'd go calm.", "neutral"),
    ("Candidates: happiness, neutral. Happiness wins; the smile is real.", "happiness"),
    ("Anger vs. disgust: too close to call.", None),
    ("He looks angry and a bit happy, the expression is mix.", None),
    ("Some would read it as sadness, others as calm; both readings seem equally reasonable.",
     None),
]

# field names that open a line, answer markers that give two classes, additive "also"
HEADINGS = [
    ("Eyebrows: lowered.\nMouth: pressed.\nLabel: anger", "anger"),
    ("Observed: lips apart. Classification: surprise.", "surprise"),
    ("She seems cheerful.\nPredicted emotion: neutral", "neutral"),
    ('{"expression": "sad", "has_smile": false, "is_neutral": false}', "sadness"),
    ("Primary emotion: fear.\nSecondary emotion: surprise.", "fear"),
    ("Emotion: calm, slightly tired.", "neutral"),
    ("Label: fear/surprise", None),
    ("Emotion: anger, disgust (equal).", None),
    ("My answer: sad vs neutral; can't separate them.", None),
    ("Final answer: surprise, fear a close second.", "surprise"),
    ("Answer: happy, sad, neutral (in that order)", "happiness"),
    ('{"emotion": ["fear", "sadness"], "confidence": [0.5, 0.5]}', None),
    ("Expression: slight smile, mostly neutral.", "neutral"),
    ("Emotion: anger. Actually, disgust.", "disgust"),
    ("Emotion: anger\nFinal answer: disgust", "disgust"),
    ("Expression: neutral\nEmotion: sadness", "sadness"),
    ("There is no fear in this expression: the raised brows show surprise.", "surprise"),
    ("The icon is smiling.", "happiness"),
    ("The wide eyes suggest surprise; fear is also possible.", "surprise"),
    ("Emotion: fear, or perhaps surprise.", "fear"),
    ("Answer: anger, disgust, and fear all apply.", None),
    ("He looks angry and disgusted too.", None),
    ("A faint smile might be there, but it is too weak to call happiness. I'd label it neutral.",
     "neutral"),
    ("Label: disgust\nReasoning: the raised brows are mostly a sign of surprise, but the lip curls.",
     "disgust"),
    ("Answer: angry and sad at the same time", None),
    ("Emotion: calm and scared in equal parts", None),
    ("Startled. Or is she just astonished?", "surprise"),
    ("It is too soon to call it anger; he looks annoyed at most.", "anger"),
    ("Expression: sad eyes, smiling mouth.", None),
    ("Emotion: content, with a hint of surprise", "happiness"),
    ("Her brother looks furious. She looks calm.", "neutral"),
    ("Whether the tears are real or not, the label is sadness.", "sadness"),
    ("No matter how you read the brows, the mouth says disgust.", "disgust"),
    ("Anger over disgust, if I must choose.", "anger"),
    ("It might be anger or disgust. The lip curls up on one side; disgust.", "disgust"),
    ("Fear or surprise, hard to tell. The deciding cue is the stretched lips: fear.", "fear"),
    ("Expression: happy.\nMouth: smiling\nBrows: neutral", "happiness"),
    ('{"scores": {"anger": 0.15, "disgust": 0.60, "neutral": 0.25}}', "disgust"),
    ("| Class | Likelihood |\n|---|---|\n| Fear | Low |\n| Surprise | High |", "surprise"),
    ("Happy: no. Sad: yes. Angry: no.", "sadness"),
    ("Anger: yes. Disgust: yes.", None),
    ("Checklist - fear: no, sadness: no, anger: no. The smile says happiness.", "happiness"),
    ("She looks calm to me. Hope that helps! 😊", "neutral"),
    ("😢 sad", "sadness"),
    ("The smile says joy, the wet eyes say sadness; both are there in equal measure.", None),
    ("I'd lean toward surprise, though fear is just as plausible. I can't separate the two.",
     None),
    ("Angry, not disgusted. Actually disgusted, not angry. I can't decide.", None),
    ("Happy or no expression at all, I can't tell.", None),
    ("It's fear. Or, no, it's surprise.", "surprise"),
    ("Label: happy\nActually, looking again, the smile doesn't reach the eyes; it's neutral.",
     "neutral"),
    ("She seems calm. On closer inspection, no smile anywhere; the eyes are full of tears.",
     "sadness"),
    ("He doesn't feel comfortable with strangers, and he looks scared.", "fear"),
    ("She looks angry. Or, actually, disgusted.", "disgust"),
    ("She looks surprised. Or, more precisely, afraid.", "fear"),
    ("The person could be either a man or a woman; they look happy.", "happiness"),
    ("Final answer: mixed (fear/sadness)", None),
    ("Answer: surprise / happiness", None),
    ("I'd go with surprise over fear.", "surprise"),
    ("Scores: fear 0.40, surprise 0.40.", None),
    ("He looks annoyed and also sad.", None),
    ("She is grinning, but she also looks tearful.", None),
    ("Happy, and also a bit surprised.", "happiness"),
]
# pictured faces, the writer's voice, fields and places that are not hers
PICTURED_AND_VOICE = [
    ("The mural behind him shows a screaming face, but he himself looks indifferent.", "neutral"),
    ("A sticker of a crying cat is on her phone; she herself is laughing.", "happiness"),
    ("The poster on the door has an angry cartoon on it. The girl looks calm.", "neutral"),
    ("This photo made me smile - the kid is clearly terrified of the clown.", "fear"),
    ("They are at an amusement park and he looks scared stiff.", "fear"),
    ("While the dog next to her seems sleepy, she herself looks furious.", "anger"),
    ("If I had to choose one label, surprise fits best.", "surprise"),
    ("He's not smiling. Or maybe slightly. Hard to say.", None),
    ("She looks angry. Or maybe disgusted.", None),
    ("Not fear, although the eyes are wide: the raised brows and open mouth say surprise.",
     "surprise"),
    ("She looks pleased, no wait, the eyes are hard - angry.", "anger"),
    ("No one would call this a sad face; she is beaming.", "happiness"),
    ("He seems bummed out about something.", "sadness"),
    ("She looks like she could blow a gasket.", "anger"),
    ("He can't stomach the smell, judging by his face.", "disgust"),
    ("The overall feeling is bittersweet: a smile with wet, sad eyes.", None),
    ("I cannot settle on one single emotion here; maybe joy, maybe surprise.", None),
    # an undecided opening a later main cue settles; "either X or <no class>" settles nothing
    ("Maybe fear, maybe surprise. Leaning fear, given the tense mouth.", "fear"),
    ("It could be anger or disgust. The wrinkled nose is the main cue, so disgust.", "disgust"),
    ("Sad or calm, hard to say. The eyes are dull.", None),
    ("She is either annoyed or concentrating.", None),
    ("He is either angry or disgusted, and I lean disgusted.", "disgust"),
]

# value words, run-on sentences, "or" with a state that is no class, score lists of any scale
ROUND_22 = [
    ("Expression: blank.", "neutral"),
    ("Blank.", "neutral"),
    ('{"emotion": "flat", "confidence": 0.7}', "neutral"),
    ("Portrait of a man in a crowded street. Expression: blank.", "neutral"),
    ("The image is blank.", None),  # the image, not the face
    ("Background: blank.", None),  # a field that is not the face's
    ("H-A-P-P-Y.", "happiness"),
    ("Jaw on the floor.", "surprise"),
    ("The face of someone who just sniffed a carton of spoiled milk.", "disgust"),
    ("Ew. That's the expression, pure ew.", "disgust"),
    ("Passport-photo face.", "neutral"),
    ("He looks really down today.", "sadness"),
    ("omg he did NOT expect that, surprised", None),  # no idiom list entry: it is a clause
    # a run-on sentence starts a new clause without a comma: the negation ends there
    ("the person has a smooth forehead and no visible muscle tension there is no particular "
     "emotion showing so the expression is neutral", "neutral"),
    ("She isn't smiling so I'd call it sad.", "sadness"),
    ("nah he's not mad he's sad", "sadness"),
    ("I don't think there is any anger.", None),
    ("She is not happy thats for sure", None),
    ("no smile no frown, neutral", "neutral"),
    ("no happiness, sadness or anger", None),
    # "or" beside a state that is no class: the class is not settled
    ("She looks sad or tired.", None),
    ("It could be a grimace or a smile.", None),
    ("A man with furrowed brows, caught mid-shout or mid-laugh.", None),
    ("She is happy, not tired or bored.", "happiness"),
    ("The expression could be happiness, surprise, or even embarrassment; none clearly dominates.",
     None),
    # parallel conditionals, "X and Y would ...", a "corrected:" field
    ("Surprise if it is good news, fear if it's bad; both fit equally.", None),
    ("She is smiling. Fear and surprise would show widened eyes.", "happiness"),
    ("Fear and surprise would show widened eyes; none of that here. The best match is happiness.",
     "happiness"),
    ("Emotion: Happiness -> corrected: Sadness (the corners turn down).", "sadness"),
    ("Label: fear\nCorrected: surprise.", "surprise"),
    ("Corrected: none. Label: fear.", "fear"),  # a field of metadata retracts nothing
    ("She is beaming. (Image white balance corrected to neutral.)", "happiness"),
    ("She is happy; the colour was corrected.", "happiness"),
    # a minor read of a face the writer finds hard to read; doubt after an answer marker
    ("A faint half-smile and heavy, tired eyes. His mood is difficult to read.", None),
    ("This person is happy. I can't be certain about their internal state, though.", "happiness"),
    ("Answer: happiness. Actually anger. Actually happiness. I keep going back and forth.", None),
    ("I went back and forth, but the relaxed eyes tip it: surprise.", "surprise"),
    # structured answers: markers of a number, values that say "uncertain"
    ('{"primary_emotion": "sadness", "secondary_emotion": "neutral", "primary_confidence": 0.64, '
     '"secondary_confidence": 0.21}', "sadness"),
    ("Emotion: Happy / Neutral (uncertain)", None),
    ("Scores (0-10): happy 9.1, neutral 2.0, surprised 1.4, sad 0.3, angry 0.2. Top: happy.",
     "happiness"),
    ("ANGER .71  DISGUST .12  NEUTRAL .08  SADNESS .05", "anger"),
    ("Anger: 76 / Disgust: 13 / Neutral: 4 / Sadness: 3 (out of 100)", "anger"),
    ("P(happy)=0.83, P(neutral)=0.09, P(surprise)=0.04", "happiness"),
    ("I'd estimate: happy ~80%, neutral ~10%, surprised ~5%. So: happy.", "happiness"),
    ('{"sadness": 0.36, "neutral": 0.35, "anger": 0.14, "label": "uncertain"}', None),
    ("Happiness 39% | Neutral 38% | Surprise 12% - too close to call.", None),
    ("1. Fear 2. Surprise 3. Neutral", "fear"),
    ("Ranking: 1. fear / surprise (tied) 2. neutral", None),  # a list item is no closing answer
    ("The brows are raised. Surprise.", "surprise"),
    ("surprise: n/a\nfear: n/a\nhappiness: n/a", None),
    ('{"emotion": "none", "category": "neutral"}', "neutral"),
    # an opening that names no class is no first sentence
    ("Great question! I'd say this person is feeling happy. Confidence: high, with neutral as a "
     "distant second.", "happiness"),
    ("Sure! The emotion is happiness. If I had to pick a second, I'd say surprise.", "happiness"),
    ("Surprise: no\nFear: no\nHappiness: yes\nSadness: yes", None),
    # figures with a word before them; the writer turning to the person asked about
    ("The person appears sad; the cartoon character on the poster behind them is the one smiling.",
     "sadness"),
    ("Aww, cute dog in the corner, it looks a bit grumpy! But you asked about the person: they're "
     "clearly happy.", "happiness"),
    ("His T-shirt has a giant smiley face on it; his actual face is deadpan.", "neutral"),
    # a degree said of the mention before its copula; a class said to be a state
    ("Can we say she looks happy? Not really - the smile is faint and the eyes are teary. She looks "
     "sad.", "sadness"),
    ("Not happiness, despite the awkward grin - that grin is a nervous grimace. She's frightened.",
     "fear"),
    ("Her smile is polite.", None),
    ("The smile is genuine.", "happiness"),
    # comparisons, answer phrases, doubt after an answer
    ("Less upset than downright livid.", "anger"),
    ("Less than happy.", None),
    ("She's smiling, but it's a brave smile over obvious grief; the emotion I'd report is sadness.",
     "sadness"),
    ("Lips stretched (AU20). That separates fear from surprise. In short, fear.", "fear"),
    ("Final answer: surprise. Hmm, actually it might be fear. I'm not sure.", None),
    ("Final answer: neutral. I'm not sure, though.", "neutral"),
    ("Surprise - or is it fear? Hard to tell.", None),
    ("It could be happy or it could be discomfort. Hard to say!", None),
]

# the round's rules must not reach too far: found by an independent review (612 probes)
NOT_OVERREACHING_22 = [
    ("Blank. No face is visible in the image.", None),  # a refusal, not a value
    ("Blank. Is this the right image?", None),
    ("Flat, grey image with no visible face.", None),
    ("Emotion: blank, image failed to load.", None),
    ("The file seems blank or corrupted.", None),
    ("I did not expect that the image would be so dark; I cannot make out the face.", None),
    ("There's no sadness that's visible or any anger. She looks calm.", "neutral"),
    ("Confidence updated: 0.9. Label: fear.", "fear"),
    ("Label: fear\nUpdated: surprise", "surprise"),
    ("Ranked: surprise 1, fear 2, happiness 3 -> surprise", "surprise"),
    ("Prototype AUs - Anger: 4, 5, 7; Disgust: 9, 10. Observed AU4 + AU7 -> anger.", None),
    ("AU4 (anger) 3.5, AU9 (disgust) 1.0, AU15 (sadness) 0.5 -> anger", "anger"),
    ("Top-3: happiness (0.82), surprise (0.11), neutral (0.04). Cues: AU6, AU12, AU25.",
     "happiness"),
    ("Happiness 70% | Neutral 20% - she is laughing and talking at the same time.", "happiness"),
    ("happy 0.5, sad 0.3, neutral 0.2 - I keep going back and forth.", None),
    ("Happy or excited.", "happiness"),  # a state close to the class settles nothing away
    ("Calm or focused.", "neutral"),
    ("Excited or scared, like on a rollercoaster.", None),
    ("Sad or thoughtful.", None),
    ("She is content, or at least not tired.", "happiness"),
    ("Either tired or sad, I can't tell.", None),
    ("Squinting into the sun or scowling.", None),
    ("A yawn or a gasp of surprise.", None),
    ("Happy or joyful - either fits.", "happiness"),
    ("Torn between anger and disgust at first, but the nose wrinkle decides it. Answer: disgust.",
     "disgust"),
    ("A slight smile. Her age is hard to judge, maybe 30.", "happiness"),
    ("Somewhat sad. The text on her shirt is hard to read.", "sadness"),
    ("Maybe happy, hard to tell.", None),
    ("Sad would describe her best.", "sadness"),
    ("Happy would work here.", "happiness"),
    ("she isnt happy shes not sad either shes just neutral", "neutral"),
    ("Fearful if the context is a threat, otherwise surprised.", None),
    ("Her smile is playful.", "happiness"),
    # a second review (634 probes) of the later rules
    ("Good question. A lot of people would call this anger. I think it is more like disgust.",
     "disgust"),
    # ... the general statement is no answer: these read no class rather than the wrong one
    ("Alright! A typical happy face has raised cheeks. This one doesn't - it's neutral.", None),
    ("Good question! Anger usually involves lowered brows. Here the brows are raised and the mouth "
     "is open wide, so it is surprise.", None),
    ("Great question! He looks disgusted. The lowered brows are shared with anger, and the tight "
     "lips are shared with anger too.", "disgust"),
    ("She looks sad. You asked about the other person as well: he seems cheerful.", "sadness"),
    ("She is happy. You asked about her clothes: a calm blue dress.", "happiness"),
    ("Cute dog in the corner! But you asked about the person: they're clearly happy.", "happiness"),
    ("The smile is very faint and the eyes are teary.", "sadness"),
    ("The fear is pretty subtle and she seems surprised.", "surprise"),
    ("His anger is defiant, with a trace of fear in the eyes.", "anger"),
    ("Her smile is shy, with a hint of nervousness.", "happiness"),
    ("Sadness would explain the drooping eyelids, and there's a trace of anger too.", "sadness"),
    ("He looks scared or cold.", None),
    ("I'd report anger if the brows were lowered, but they aren't; she's surprised.", None),
    ("The best match would have been surprise if the mouth were open, but the face is calm.",
     None),
    ("In short order her expression went from calm to terrified.", None),
    ("1. Fear\n2. Surprise\nHonestly they're tied.", None),
    ("Happy to take a look! The woman appears frightened.", "fear"),
    ("Final answer: surprise. Secondary: fear. Occlusion: N/A", "surprise"),
    ("N/A - the image is completely black.", None),
    ("Caption: Man in front of a wall covered with smiling-face graffiti. The graffiti is cheerful; "
     "the man's own expression is neutral.", "neutral"),
    ("Without making assumptions about the person, the visible expression is consistent with anger.",
     "anger"),
    ("Without the face, no expression can be assessed.", None),
    ("Behind her, a stranger scowls at his phone; she is smiling broadly. Her expression: happiness.",
     "happiness"),
    ("I think it's happiness, but the smile could just as well be a grimace of disgust.", None),
    ("Lugubrious, to put it in one word.", "sadness"),
    ("he looks pissed", "anger"),
    # elimination and comparison styles
    ("Against anger: no furrowed brow. Against sadness: no downturned mouth. Against neutral: "
     "there's a grin. Happiness is the match.", "happiness"),
    ("She leans against the wall, smiling.", "happiness"),
    ("Considering disgust first, because the upper lip looks slightly raised - but the main signal "
     "is the downturned mouth and sad eyes. So sadness, not disgust.", "sadness"),
    ("Surprise, fear, disgust, anger and sadness can all be ruled out. That leaves neutral versus "
     "happiness, and since the lip corners are pulled upward, it's happiness.", "happiness"),
    ("Ruling out happiness, surprise, fear, sadness and neutral, the remaining candidates are anger "
     "and disgust. The curled lip and scrunched nose favor disgust.", "disgust"),
    ("Going through the options: happiness - no smile; surprise - brows aren't raised high. "
     "Sadness fits best.", "sadness"),
    ("Top prediction: happiness (0.73). Initially estimated neutral, revised after noting the "
     "raised cheeks.", "happiness"),
    ("Calm. Scratch that.", None),
    ("There is a smiling crowd in the background. The person in the foreground, however, isn't "
     "smiling; the subject's expression is neutral.", "neutral"),
    ("sadness (0.38) / neutral (0.37) - uncertain between the two", None),
    ("Visually, the face could be read as sad or as simply tired and neutral; I can't responsibly "
     "pick one.", None),
    ("It might be a slight smile or just a neutral resting face; I can't say with confidence which.",
     None),
    ("She could be happily surprised or genuinely shocked; it's hard to say whether the main "
     "emotion is happiness or surprise.", None),
    ("It's hard to say whether the person is happy or sad.", None),
    # a third review (404 probes) of the elimination rules
    ("Glad you asked! She looks sad.", "sadness"),
    ("Happy Friday! He looks disgusted.", "disgust"),
    ("Options: surprise - raised brows, fear - tense lips.", None),
    ("Candidates: sadness - droopy, anger - tense. I'm leaning sadness.", "sadness"),
    ("Among the options, fear fits best.", "fear"),
    ("She looks at the stranger with fear, and a little surprise.", "fear"),
    ("Comparing against each class, the closest candidates are neutral and sadness. The mouth "
     "corners are level, so neutral.", "neutral"),
]

#: fourth round: what an opening "ruling out" rules out, "X ruled out", a rejection after
#: adverbs, a crowd that is only where the person stands
ROUND_23 = [
    ("After ruling out surprise, fear is the answer.", "fear"),
    ("Ruling out surprise, the answer is fear.", "fear"),
    ("Ruling out fear, surprise is left.", "surprise"),
    ("After ruling out surprise, given the closed mouth, fear is the answer.", "fear"),
    ("After ruling out surprise, fear is the answer. Some sadness is possible too.", "fear"),
    ("Ruling out anger, disgust, and fear, the answer is sadness.", "sadness"),
    ("After ruling out surprise, fear and anger, nothing fits but sadness.", "sadness"),
    ("I ruled out surprise, given the closed mouth, and fear.", None),  # both ruled out
    ("With surprise ruled out, fear is the answer.", "fear"),
    ("Surprise ruled out, fear is the answer.", "fear"),
    ("Surprise and fear ruled out, she looks sad.", "sadness"),
    ("Emotion: surprise. Corrected: surprise (fear ruled out).", "surprise"),
    ("Anger is also wrong; neutral.", "neutral"),
    ("After ruling out fear, anger is also unlikely; neutral.", "neutral"),
    ("Anger is very unlikely; she is neutral.", "neutral"),
    ("Anger is also likely.", "anger"),
    ("She stands in a crowd and looks surprised, maybe slightly happy.", "surprise"),
    ("She stands in a crowd, looking surprised.", "surprise"),
    ("He is in front of a crowd and seems angry.", "anger"),
    ("A crowd looks surprised, but she is happy.", "happiness"),
    ("She is surrounded by a cheering crowd that looks happy, while she looks sad.", "sadness"),
    ("She stands among the onlookers, who look shocked; she is calm.", "neutral"),
    ("He stands against the crowd, face twisted in anger, perhaps a touch of fear.", "anger"),
    ("Candidates considered: anger, disgust. Anger is stronger given the glare.", "anger"),
    ("Options considered: anger, disgust. Anger fits better.", "anger"),
    ("Labels considered: anger, disgust.", None),
    ("Options: happiness - smile, surprise - open mouth.", None),  # the smile is a cue
    ("Possible labels: happiness - smiling, neutral - relaxed brows.", None),
    ("Options: happiness - smile, surprise - open mouth. Happiness.", "happiness"),
    ("Candidates: sadness - frown, anger - glare. Sadness wins.", "sadness"),
    ("The facial muscles appear relaxed with no noticeable tension in the brows or mouth, "
     "suggesting a neutral expression.", "neutral"),
    ("No smile, indicating sadness.", "sadness"),
    ("There is no frown, consistent with a neutral face.", "neutral"),
    ("Not a smile, suggesting happiness is absent.", None),
    ("The person is normal.", "neutral"),
    ("Expression: normal", "neutral"),
    ("Normal face, nothing special.", "neutral"),
    ("The lighting is normal; he looks angry.", "anger"),
    ("The image quality is normal, and she looks sad.", "sadness"),
    # "serious" names neutral only when nothing else is asserted (a fallback word)
    ("Serious.", "neutral"),
    ("The person in the image looks serious and focused.", "neutral"),
    ("The man in the image has a serious expression on his face.", "neutral"),
    ("He looks serious, not angry.", "neutral"),
    ("The man looks serious and angry.", "anger"),
    ("He looks serious, even angry.", "anger"),
    ("She looks serious but happy.", "happiness"),
    ("He doesn't look serious.", None),
    ("Is he just serious? No, the lowered brows and flared nostrils show he's mad.", "anger"),
    # fourth review: "ruled out" with an object, after an adverb or by a cue; "just kidding"
    ("Her happiness ruled out any sadness.", "happiness"),
    ("His anger ruled out any chance of a smile.", "anger"),
    ("With disgust firmly ruled out, anger is most likely.", "anger"),
    ("With sadness ruled out by the grin, happiness is clear.", "happiness"),
    ("After ruling out surprise, fear appears most likely, though anger is possible.", "fear"),
    ("Anger is extremely unlikely.", None),
    ("No wrinkled nose, pointing away from disgust.", None),
    ("Sadly, I can't tell.", None),  # a refusal (test_a_refusal_is_a_refusal)
    ("Sadly, she looks sad.", "sadness"),
    ("Anger. Just kidding, disgust.", "disgust"),
    ("Surprise. Just kidding.", None),
]

#: fifth round: conclusions after "So", a new subject after a negation, classes excluded,
#: labels the reasoning contradicts, flat score lists, video answers
ROUND_24 = [
    ("It's between anger and disgust. The brows are strongly lowered. So: anger.", "anger"),
    ("It's between anger and disgust. The brows are strongly lowered, so anger.", "anger"),
    ("It's between anger and disgust. Thus, anger.", "anger"),
    ("It's between anger and disgust. Therefore anger.", "anger"),
    ("She is happy. So happy.", "happiness"),
    ("With no prominent action units, the inferred emotion is neutral.", "neutral"),
    ("No smile, the label is neutral.", "neutral"),
    ("No smile, the predicted emotion is neutral.", "neutral"),
    ("There is no smile, emotion of joy or happiness.", None),
    ("Since contempt isn't among the options, disgust.", "disgust"),
    ("Confusion isn't among the options, so neutral.", "neutral"),
    ("I can exclude happiness, anger and disgust. Between fear and surprise, the tension around "
     "the mouth tips it toward fear.", "fear"),
    ("Sadness, fear and anger can be eliminated given the upturned mouth. That leaves happiness.",
     "happiness"),
    ("Sadness, fear and anger can be ruled out given the upturned mouth. That leaves happiness.",
     "happiness"),
    ("Sadness, fear and anger are ruled out given the upturned mouth. That leaves happiness.",
     "happiness"),
    ("Fear is excluded. She is surprised.", "surprise"),
    ("Excluding the hat, she looks happy.", "happiness"),
    ("Emotion: none (neutral)", "neutral"),
    ("Emotion: happiness. The person is clearly sad and crying.", None),
    ("Emotion: happiness\n\nReasoning: the downturned mouth and raised inner brows indicate sadness.",
     None),
    ("Final answer: Happiness.\n(The downturned mouth and tears make this a clear case of sadness.)",
     None),
    ("Answer: happiness. Surprise is also present.", "happiness"),
    ("Emotion: happiness. She is smiling and surprised.", "happiness"),
    ("Label: neutral\nThe face is calm; no sign of anger.", "neutral"),
    ("Primary: anger. There's also something close to disgust in the nose area, but it's "
     "secondary.", "anger"),
    ("Final answer: anger... or possibly disgust.", None),
    ("Answer: anger, or maybe disgust.", None),
    ("Answer: anger (possibly some disgust).", "anger"),
    ("Probabilities: anger 0.34, disgust 0.33, sadness 0.33.", None),
    ("Happiness 51%, surprise 49%.", None),
    ("Fear 0.46, surprise 0.38, sadness 0.09.", "fear"),
    ("The person seems to be relaxed and is not showing any emotion.", "neutral"),
    ("She isn't showing any emotion at all.", "neutral"),
    ("The person is relaxed.", "neutral"),
    ("He is relaxed and smiling.", "happiness"),
    ("He looks relaxed but sad.", "sadness"),
    ("She is not relaxed.", None),
    ("The person looks surprised. Wait - on rewatching, the open mouth is from laughing, not "
     "shock; the expression is happiness.", "happiness"),
    ("A blend of surprise and fear.", None),
    ("A mix of happiness and sadness, but mostly happiness.", "happiness"),
    ("The mix of raised cheeks and a smile indicates happiness.", "happiness"),
    # a fifth review (318 probes at these rules' edges)
    ("She isn't showing any particular emotion besides mild disgust.", "disgust"),
    ("He is not showing any emotion other than sadness.", "sadness"),
    ("She shows no emotion other than sadness.", "sadness"),
    ("Not displaying any emotion except fear.", "fear"),
    ("No emotion, but a slight smile.", "neutral"),
    ("Anger isn't among the emotions I see, the face is relaxed and even.", "neutral"),
    ("Happiness isn't among the options that fit, sadness is; the eyes are red.", "sadness"),
    ("Fear isn't among the top candidates, surprise is: raised brows.", "surprise"),
    ("Anger is not one of the options; she is sad.", "sadness"),
    ("She is not among the happy ones.", None),
    # the blind batches 52-54 and the 318 probes' misses
    ("neural", "neutral"),
    ("The network is neural; she looks happy.", "happiness"),
    ("The man on the left is angry, while the woman on the right looks surprised.", None),
    ("The woman on the left is smiling while the man on the right looks upset.", None),
    ("The woman on the left is smiling. The man on the right looks angry.", None),
    ("The woman on the left is smiling; the man on the right is smiling too.", "happiness"),
    ("She looks to the left and seems happy. The right side of her face is lit.", "happiness"),
    ("The facial expression is a mix of surprise and happiness, as evidenced by the raised "
     "eyebrows and the wide smile.", None),
    ("The expression is a mix of happiness and sadness - a bittersweet smile.", None),
    ("The person looks excited and nervous at the same time.", None),
    ("She looks excited and nervous at the same time. Her eyes are wide.", None),
    ("She looks happy and excited at the same time.", "happiness"),
    ("He seems tired and sad at the same time.", "sadness"),
    ("There are tears on her cheeks, which might suggest sadness at first. However, her mouth is "
     "stretched into a wide grin. The expression is happy.", "happiness"),
    ("How does this person feel? They might be happy or they might be embarrassed; the smile is "
     "hard to interpret.", None),
    ("ASSISTANT: The person is happy.</s> ASSISTANT: The person is sad.</s>", None),
    ("ASSISTANT: The person is happy.</s> ASSISTANT: Happy.</s>", "happiness"),
    ("<answer>happy</answer>", "happiness"),
    ("<answer>neutral</answer> The person is clearly smiling, indicating happiness.", None),
    ("Choosing from surprise, fear, disgust, happiness, sadness, anger and neutral - I'd say "
     "happiness.", "happiness"),
    ("The question asks me to choose between surprise, fear, disgust, happiness, sadness, anger "
     "and neutral. The downturned mouth and drooping eyelids indicate sadness.", "sadness"),
    ("Selecting from the given options: sadness.", "sadness"),
    ("The right answer among the options is neutral.", "neutral"),
    ("Among the options, fear fits best.", "fear"),
    ("Detected emotion: none (i.e., neutral)", "neutral"),
    ("Emotion: None (neutral face)", "neutral"),
    ("He's not expressing any emotion verbally, but his face is twisted in anger.", "anger"),
    ("He is not expressing any strong emotion.", "neutral"),
    ("The man is just looking ahead without any noticeable emotion.", "neutral"),
    ("She stares blankly ahead.", "neutral"),
    ("Excluding anger, the most likely expression is disgust.", "disgust"),
    ("After excluding fear and anger, she looks sad.", "sadness"),
    ("The man excluded from the group photo looks sad.", "sadness"),
    ("Final answer: anger, or maybe disgust; on reflection, anger.", "anger"),
    ("Answer: fear or possibly surprise; leaning fear because the lips are stretched.", "fear"),
    ("She looks surprised - or possibly scared; I can't really tell from this angle.", None),
    ("A mix of happiness and surprise; if I must pick one, happiness.", "happiness"),
    ("If she were smiling, I'd say happy; if she were frowning, sad or angry. She's doing "
     "neither - the expression is neutral.", "neutral"),
    ("Primary: happiness\nAlternative: surprise\nI'd give them roughly equal weight.", None),
    ("She looks ready to bite someone's head off - jaw set, eyes narrowed to slits.", "anger"),
    ("His jaw has practically hit the floor, and his eyes are like saucers.", "surprise"),
    ('She\'s reading a paperback called "Fear" with a perfectly blank face.', "neutral"),
    ("Somewhere between sadness and a neutral resting face.", None),
    # a second review (303 probes at those rules' edges), and leftovers of earlier reviews
    ("There are two people in the image. The one on the left looks disgusted and the one on the "
     "right looks confused.", None),
    ("He looks angry and hurt at the same time.", None),
    ("Some might see happiness, others nervousness. Her smile is hard to read.", None),
    ("Could be a happy smile, could be a nervous one. Honestly, the expression is hard to "
     "interpret.", None),
    ("<|im_start|>assistant\nHappiness<|im_end|>\n<|im_start|>assistant\nNeutral<|im_end|>", None),
    ("Excluding neutral, the strongest candidate is sadness.", "sadness"),
    ("It is a mix of surprise and happiness, but if I had to name one, it would be happiness.",
     "happiness"),
    ("Choosing from happiness, sadness, surprise, fear, anger, disgust and neutral, I'd say the "
     "man looks angry.", "anger"),
    ("If I had to choose between anger and disgust, I'd choose anger.", "anger"),
    ("When choosing between fear and surprise, the relaxed brow points to surprise.", "surprise"),
    ("Signs of happiness: none (angry face).", "anger"),
    ("Smile: none visible (sad expression)", "sadness"),
    ("Anger-free.", None),
    ("Anger free, calm.", "neutral"),
    ("She seems carefree and happy.", "happiness"),
    ("Zero happiness.", None),
    ("Sadness is out.", None),
    ("Fear is out of the question; she is surprised.", "surprise"),
    ("She is out of breath and happy.", "happiness"),
    ("Happiness.\nBut wait: the brows are raised in the middle and the mouth droops; she is sad.",
     "sadness"),
    ("He looks happy. But wait, he is also a bit surprised.", "happiness"),
    ("Surprise: ruled out. Fear: ruled out. Happiness: yes.", "happiness"),
    ("Fear: excluded, surprise: likely.", "surprise"),
    # a third review (304 probes across this round's rules)
    ("Left: neutral. Right: fear.", None),
    ("The left person looks neutral while the right person looks disgusted.", None),
    ("The people on the left are cheering, the person on the right is crying.", None),
    ("Person on the left: surprise. Person on the right: happiness. I can't determine which "
     "person the question refers to.", None),
    ("The man on the left is the subject; he looks sad. The woman on the right is laughing in "
     "the background.", "sadness"),
    ("The left side of her face is in shadow; she looks happy.", "happiness"),
    ("anger 0.38\ndisgust 0.36\nfear 0.10\nsadness 0.08", None),
    ("neutral: 0.33, sadness: 0.31, fear: 0.20, anger: 0.16", None),
    ("fear 0.46, surprise 0.38, sadness 0.09", "fear"),
    ("Emotion: fear. In a surprised face the lower eyelids would be relaxed; here they are tense.",
     "fear"),
    ("Some might see a blend of anger and disgust, but the wrinkled nose and raised lip make it "
     "disgust alone.", "disgust"),
    ("A mixture of shock and joy - the eyes are wide, but she's grinning.", None),
    ("A combination of neutral and slight sadness; if I had to settle on one, sadness.", "sadness"),
    ("ASSISTANT: I think this is surprise.\nUSER: Look again at the mouth.\nASSISTANT: You're "
     "right, I was wrong - the lips are stretched sideways, so it's fear, not surprise.", "fear"),
    ("The smile fades out, leaving a flat, neutral face.", None),
    ("The surprise is out of this world - jaw dropped, eyes huge.", "surprise"),
    # blind batches 55-57 (read once, then released)
    ("I can't determine someone's true feelings from a picture, but outwardly the face looks "
     "neutral.", "neutral"),
    ("She looks outwardly calm but inwardly furious.", "anger"),
    ("Surprise is a close call given the raised brows, but the lips are stretched and tense, "
     "which signals fear rather than surprise.", "fear"),
    ("Happiness. The person's brows are drawn together, the lips are pressed tightly and the "
     "eyes are glaring, all typical of anger.", None),
    ("Surprise. Explanation: The person is calmly looking at the camera, with relaxed eyebrows, "
     "a closed mouth, and no visible tension - a resting face.", None),
    ("Happiness. The person is smiling broadly, eyes crinkled.", "happiness"),
    ("Fear. The wide eyes resemble surprise, but the mouth is tense.", "fear"),
    ("Top-1: sadness. Top-2: neutral.", "sadness"),
    ("She is beaming. (Image white balance corrected to neutral.)", "happiness"),
    ("Neutral. Wait, the lip corners seem raised - happiness? Actually the brows look lowered, "
     "maybe anger. It's difficult to decide from this image.", None),
    ("The expression is hard to classify. It has elements of fear (wide eyes) and of sadness "
     "(downturned mouth), so I'd place it between the two.", None),
    ("A) anger B) disgust C) fear D) happiness E) sadness F) surprise G) neutral\n\nF", "surprise"),
    ("Options: (A) happy (B) sad (C) angry\nAnswer: (B)", "sadness"),
    ("A) anger B) disgust C) fear D) happiness E) sadness F) surprise G) neutral", None),
    # blind batches 58-60 (read once, then released): clips that change, options picked by letter
    ("The person starts off laughing but then becomes sad and tearful by the end of the clip.", None),
    ("She starts off calm, but by the end of the clip she's yelling and glaring. The emotion she "
     "displays is anger.", "anger"),
    ("He starts out looking neutral, then his eyes go wide and his mouth falls open. The key "
     "emotion in the clip is surprise.", "surprise"),
    ("At first she looks disgusted, and then she becomes angry.", None),
    ("At first glance she looks happy, but on closer inspection she is sad.", "sadness"),
    ("She starts to smile, then laughs.", "happiness"),
    ("The woman starts off smiling but ends up crying.", None),
    ("Happy or surprised - she reacts with an open-mouthed smile when she sees the cake.", None),
    ("Surprised, or maybe happy: there's a smile but also very wide eyes.", None),
    ("The woman seems both angry and sad - she's shouting but also crying.", None),
    ("Both the smile and the eyes show joy.", "happiness"),
    ("She is both happy and relieved.", "happiness"),
    ("It's hard to say: the man's face looks neutral, but his voice sounds a bit sad.", None),
    ("Options: (a) fear (b) anger (c) disgust. I'd pick (b).", "anger"),
    ("She is happy (see plan A).", "happiness"),
    ("Looks totally freaked out.", "fear"),
    ("The person seems to be in high spirits.", "happiness"),
    ("The person looks like they're having the time of their life.", "happiness"),
    # blind batches 61-62 (read once, then released)
    ("The person keeps a stone face the whole time.", "neutral"),
    ("The woman seems nervous, maybe a little excited.", None),
    ("The woman seems nervous, maybe a little excited. Her eyes are wide.", None),
    ("She seems happy, maybe a little excited.", "happiness"),
    ("He looks sad, maybe a bit tired.", "sadness"),
    ("He starts calm, then loses his temper and screams; the dominant expression is anger.", "anger"),
    ("In the group photo, the woman on the left is smiling while the man next to her looks sad.",
     None),
    ("The woman on the left is smiling.", "happiness"),
    # blind batches 63-65 (read once, then released)
    ("Could be fear. Could be surprise. The eyes are wide and the mouth is open.", None),
    ("Perhaps angry, perhaps just concentrating. Not sure.", None),
    ("She could be happy. The smile is wide.", "happiness"),
    ("Anger - sorry, I misread; the brows are raised, not lowered. The expression is surprise.",
     "surprise"),
    ("He's got the blues.", "sadness"),
    ("A) Anger B) Happiness C) Neutral -> B", "happiness"),
    # batches 41, 42 and 44 (held out since the third round, read six times, then released)
    ("nothing, neutral", "neutral"),
    ("nothing, happiness or sadness", None),
    ("The person is smiling, which would suggest happiness, but the eyes look sad. I think the "
     "expression is happiness. Actually, it may be sadness masked by a smile.", None),
    ("She is happy. Actually, she is sad.", "sadness"),
    ("The woman seems to be crying, but she might also be laughing so hard that tears came out. "
     "It could be happiness or sadness.", None),
    ("She is crying. It could be sadness or relief.", "sadness"),
    ("The person looks surprised. Though honestly, the tension around the mouth could mean fear, "
     "so I'm not certain it's surprise.", None),
    ("The person looks surprised. It is not fear.", "surprise"),
    ("Looks happy. But the eyes look sad. Hmm.", None),
    ("She looks happy. Hmm.", "happiness"),
    ("Mostly neutral, I think, though it could equally be mild sadness.", None),
    ("The figure on the T-shirt is a smiley face, which is a bit ironic, because the wearer looks "
     "deeply sad.", "sadness"),
    ("People who are angry sometimes raise their upper lip too, but here the nose wrinkle and the "
     "head pulled back make it disgust.", "disgust"),
]

ALL = (COMPARISON + CORRECTION + REJECTION + ASIDE + SECONDARY + CONCLUSION + OTHER_PEOPLE
       + THINGS + VOCABULARY + NOT_THE_FACE + CLOSER_LOOK + EARLIER_READ + PEOPLE_IN_GENERAL
       + TYPOS + RETRACTION + OTHERS_WOULD_CALL + WRITER_PICK + FEATURES + COMPARED_AGAINST
       + GENERIC_PAIR + CONTRASTED_PEOPLE + SETTINGS + FRONTED_NEGATION + OR_RATHER
       + THE_SUBJECT + COLON + MORE_VOCABULARY + NEGATED_MARKER + RANKED + SELF_CORRECTION
       + CUES_AFTER_A_NEGATION + NO_SINGLE_CLASS + NOT_THE_FACE_EITHER + REVISED + FORMATS
       + EARLIER_AND_ASKED + ROUND_19 + ROUND_21 + CANDIDATE_LISTS + NOT_OVERREACHING
       + HEADINGS + PICTURED_AND_VOICE + ROUND_22 + NOT_OVERREACHING_22 + ROUND_23 + ROUND_24)


@pytest.mark.parametrize("text, value", ALL)
def test_reads_like_a_careful_person(text: str, value: str) -> None:
    assert parse("synonym_class", text, CTX).value == value


# (text, value or None): a few words flip the right read
ADVERSARIAL_PAIRS = [
    (("Less fear and more surprise.", "surprise"), ("More fear and less surprise.", "fear")),
    (("He looks less happy than sad.", "sadness"), ("He looks less sad than happy.", "happiness")),
    (("He looks less than happy.", None), ("He looks less happy than angry.", "anger")),
    (("Not so much sad as scared.", "fear"), ("Not so much scared as sad.", "sadness")),
    (("Not happy, sad.", "sadness"), ("No happiness, sadness.", None)),  # "no": a list
    (("Not happy, sad.", "sadness"), ("Not happy, sad or angry.", None)),
    (("Not happy, sad.", "sadness"), ("Not happy, sad and tired.", None)),
    (("She isn't happy, smiling only for the camera.", None), ("She isn't happy, sad.", "sadness")),
    (("Anger would be wrong, she is disgusted.", "disgust"),
     ("She is disgusted; something is wrong.", "disgust")),
    (("She looks afraid that something is wrong.", "fear"), ("Afraid is wrong here.", None)),
    (("Fear is ruled out, she is surprised.", "surprise"),
     ("Surprise is ruled out, she is scared.", "fear")),
    (("Often confused with anger, this is disgust.", "disgust"),
     ("Often confused with disgust, this is anger.", "anger")),
    (("Sadness tinged with fear.", "sadness"), ("Fear tinged with sadness.", "fear")),
    (("Surprise, and to a lesser degree happiness.", "surprise"),
     ("Happiness, and to a lesser degree surprise.", "happiness")),
    (("The photographer is laughing, but the man looks angry.", "anger"),
     ("The photographer is angry, but the man is laughing.", "happiness")),
    (("The woman behind him is scared; he is calm.", "neutral"),
     ("The woman is scared; he is calm behind her.", None)),
    (("The crowd is laughing.", None), ("She is laughing at the crowd.", "happiness")),
    (("She reads a book called \"The Joy of Cooking\" and looks sad.", "sadness"),
     ("She reads a book and looks joyful and sad.", None)),
    (("He is at a surprise party and looks bored.", None),
     ("He is surprised at the party.", "surprise")),
    (("She has smile lines.", None), ("She smiles.", "happiness")),
    (("I'm afraid I can't say.", None), ("I'm afraid she looks afraid.", "fear")),
    (("She could be happy or just polite.", None), ("She could be happy or just content.", "happiness")),
    (("He might be angry or simply tired.", None), ("He might be angry or simply annoyed.", "anger")),
    (("A forced smile.", None), ("A broad smile.", "happiness")),
    (("Tears of joy.", "happiness"), ("Tears of grief.", "sadness")),
    (("He is scarred of heights.", "fear"), ("He is scarred by the fire.", None)),
    (("She looks scared.", "fear"), ("She looks scarred.", None)),  # a real word: no guess
    (("She looks sacred.", "fear"), ("She visits a sacred place and looks calm.", "neutral")),
    (("Pure feer.", "fear"), ("Pure feat.", None)),  # "feat" is a word
    (("He seems calmm.", "neutral"), ("He seems clam.", None)),  # "clam" is a word
    (("The boy is sadd.", None), ("The boy is saddd.", None)),  # never a 3-letter target
    (("Happy at first, then sad.", "sadness"), ("Sad at first, then happy.", "happiness")),
    (("Calm in the thumbnail, angry at full size.", "anger"),
     ("Angry in the thumbnail, calm at full size.", "neutral")),
    (("Though she is smiling, she is afraid.", "fear"),
     ("She is smiling, though, not afraid.", "happiness")),
    (("My first guess was anger, but it is disgust.", "disgust"),
     ("My first guess was disgust, but it is anger.", "anger")),
    (("Most people would call this sadness; I see fear.", "fear"),
     ("Most people would call this fear; I see sadness.", "sadness")),
    (("The sign next to him reads 'Stay calm', and he is furious.", "anger"),
     ("He is furious and says 'Stay calm'.", None)),  # her own words are kept: a tie
    (("She scratches the back of her head and grins.", "happiness"),
     ("Only the back of her head is in the frame.", None)),
    # retractions
    (("Surprise. Correction: anger.", "anger"), ("Anger. Correction: surprise.", "surprise")),
    (("Fear. No correction needed.", "fear"), ("Fear. Correction needed: sadness.", "sadness")),
    (("Calm. Scratch that.", None), ("Calm. Scratch that, tense and angry.", "anger")),
    (("Happy. I would not revise that.", "happiness"), ("Happy. I would revise that to sad.", "sadness")),
    # what some would call it
    (("Some would call it fear. I'd call it surprise.", "surprise"),
     ("Some would call it surprise. I'd call it fear.", "fear")),
    (("Some would call it anger.", None), ("I would call it anger.", "anger")),
    # the writer's pick
    (("Could be fear. I'll go with surprise.", "surprise"),
     ("Could be surprise. I'll go with fear.", "fear")),
    (("Conclusion: not fear, but surprise.", "surprise"), ("Conclusion: fear, not surprise.", "fear")),
    # shared features and words of several emotions do not vote
    (("He looks horrified.", None), ("He looks terrified.", "fear")),
    (("His jaw dropped.", "surprise"), ("Lips stretched and jaw dropped.", None)),
    (("Raised eyebrows and wide eyes.", None), ("Raised eyebrows and wide, frightened eyes.", "fear")),
    # compared against
    (("This differs from fear and surprise.", None),  # both compared against
     ("This differs from fear; she is surprised.", "surprise")),
    (("It looks different from anger; it is disgust.", "disgust"),
     ("It looks like anger; it is not disgust.", "anger")),
    # general statements about two classes
    (("Both fear and surprise involve raised brows; she shows surprise.", "surprise"),
     ("She shows both fear and surprise.", None)),
    (("Fear and surprise both have wide eyes. She is scared.", "fear"),
     ("Fear and surprise are both visible. She is scared.", None)),
    # two people contrasted, or one person's concession
    (("The photographer is grinning, while the bride looks nervous.", "fear"),
     ("The bride is grinning, while she looks a little nervous.", "happiness")),
    # the picture's colour, not the face
    (("A neutral gray backdrop, and she is clearly furious.", "anger"),
     ("Her face is neutral, against a gray backdrop.", "neutral")),
    # a fronted negation ends at its comma before "I'd"
    (("Instead of anger, I'd say disgust.", "disgust"), ("Instead of anger or disgust, fear.", None)),
    # "or rather" corrects, a plain "or" offers two
    (("Fear, or rather shock.", "surprise"), ("Fear or shock.", None)),
    # a list the "or" ends is offered whole
    (("Happy, calm, or bored; hard to say.", None), ("Happy, not calm or bored.", "happiness")),
    # a colon ends the negation; a list after "no" stays negated
    (("There is no fear: she is surprised.", "surprise"), ("There is no fear, sadness or surprise.", None)),
    # a closing doubt between the lead class and another undoes the lead
    (("She looks sad. It might be sadness or fatigue, I can't tell.", "sadness"),
     ("She looks sad. It might be sadness or fear, I can't tell.", None)),
    # weighing without a winner undoes the lead; a confident close keeps it
    (("It might be disgust. I'm torn between disgust and anger.", None),
     ("It might be disgust. I'm sure it is disgust, not anger.", "disgust")),
    # the class before "if not for" is set aside; "if" alone negates
    (("Fear would be my guess if not for the open smile; so happiness.", "happiness"),
     ("Fear would be my guess, given the wide eyes.", "fear")),
    # "between X and Y" offers both; "X and Y" asserts both
    (("Somewhere between anger and disgust.", None), ("Mostly anger and a bit of disgust.", "anger")),
    # a question answered "Yes" is asserted; one answered "No" is not
    (("Is she afraid? Yes.", "fear"), ("Is she afraid? No.", None)),
    # "rather" after a verb of looking is a degree
    (("She looks happy, but rather tired.", "happiness"), ("Not happy, but rather sad.", "sadness")),
    # shares decide over order
    (("Sadness (60%), anger (40%)", "sadness"), ("Sadness (40%), anger (60%)", "anger")),
    # a marker under a negator marks nothing
    (("Anger or disgust; disgust dominates.", "disgust"), ("Anger or disgust; neither dominates.", None)),
    # a label the reasoning contradicts, or one the reasoning adds to
    (("Emotion: happiness. The person is clearly sad.", None),
     ("Emotion: happiness. The person is also a little sad.", "happiness")),
    # "none" as a field value explained by a class, or a checklist that rules the class out
    (("Emotion: none (neutral)", "neutral"), ("Neutral: none", None)),
    # the subject told apart only after a contrast
    (("The clown is laughing, but the girl herself looks frightened.", "fear"),
     ("The boy is laughing and the girl herself looks frightened.", None)),
]


@pytest.mark.parametrize("left, right", ADVERSARIAL_PAIRS)
def test_adversarial_pairs(left: tuple[str, str | None], right: tuple[str, str | None]) -> None:
    assert parse("synonym_class", left[0], CTX).value == left[1], left[0]
    assert parse("synonym_class", right[0], CTX).value == right[1], right[0]


# --- ambiguous answers are not refusals; refusals are ------------------------------------------

AMBIGUOUS = [  # classes offered, none settled: unparsed, but the model did answer
    "Happy or surprised, I can't decide.",
    "Somewhere between anger and disgust; hard to tell.",
    "Maybe neutral, maybe a little sad. I'm not sure.",
    "The cues fit both fear and surprise, and I cannot distinguish them here.",
    "Angry? Or perhaps a little disgusted. Hard to say.",  # a question and a hedge: offered
    ("The wide eyes suggest fear. Yet the brows are high as in surprise, so honestly I can't "
     "tell them apart: fear or surprise."),  # closes undecided between its lead and another
    "It might be disgust, from the curled lip. Honestly I'm torn between disgust and anger.",
    ("The slack mouth may mean sadness. The dull eyes fit boredom too. Nothing here allows a "
     "clear choice between sadness and calm; both seem equally plausible."),
    "I can't say whether it's anger or a squint against the sun; both are equally plausible.",
    "Sad or scared? Honestly a coin flip; the droop fits both.",
    "Could be joy, could be surprise; neither clearly wins.",
    "Candidates: fear, surprise. I can't separate them.",
    "Fear: yes. Surprise: also yes. Which one dominates? Neither does.",
    "The person appears scared. Looking again, she seems more surprised. Hard to say which.",
    "It looks like anger. Looking again, the lip says disgust, though the brows say anger. I'm torn.",
    "It's either happiness or contempt, and I can't decide which.",  # contempt: no RAF-DB class
    "The mouth suggests disgust while the eyes suggest anger; either reading is defensible.",
    "The left side smiles while the right side droops; a split expression I can't reduce to one label.",
]
REFUSED = [
    "Sadly, I can't tell.",  # a sentence adverb, not sadness
    "I don't see anyone in this picture; it shows a beach.",
    "There's nobody in the photo.",
    "I cannot make a determination about her emotional state.",
    "This is not something I can help with.",
    "The picture failed to load.",
    "I have no way of knowing.",
    "I'm not sure whether she is angry or sad.",  # "whether": no class is offered
    "Angry? Sad? I can't tell.",  # questions: no class is offered
    "I'm afraid I can't tell what she feels.",
    "The photo doesn't show any face, only a landscape.",
    "The frame does not include a person.",
    "This picture contains no people.",
    "Only the back of his head is visible.",
    "The subject is facing away from the camera.",
    "The woman was photographed from behind.",
    "I'm not able to assist with judging how people feel.",
    "I'm unable to help with reading emotions from photos.",
    "The resolution is far too low to make out her expression.",
    "The photo won't load for me, so I can't describe her face.",
    "I'm not going to guess what she feels from a photo.",
    "I don't infer emotions from people's faces.",
    "Reading strangers' feelings isn't something I do.",
    '{"emotion": null, "note": "face occluded by a scarf"}',
    "There doesn't seem to be any face in the frame; the shot is cropped at the neck.",
    "I can't judge feelings from faces, but I'd be happy to describe her outfit.",
    "Her face is hidden behind a scarf, so telling anger from fear is not possible.",
    "No face detected.",
    "No visible face.",
    "no face",
    "I don't feel comfortable guessing how a stranger feels.",
    "Judging emotions from a photo isn't something I'm able to do.",
    "I'm sorry, I can't help with reading people's emotions. 😊",
    "She wears a full-face mask, so there is no expression to classify.",
    "Analysis not possible: most of the face region is heavily obscured by a hat.",
    "She has her back turned, so her face isn't visible.",
    "The face is so pixelated that any label would just be a guess, so I'll pass.",
    "I don't see an image attached to your message.",
    "[Image could not be processed]",
    "Under my usage policy I can't make inferences about a real person's emotions.",
    "Emotion: ??? | Intensity: ??? | Cues: image is a solid grey frame",
    "No image given.",
    "[unable to generate caption]",
    "can't see the pic",
    "Nothing came through on my end. Could you upload it again?",
    "My guidelines don't allow me to infer the emotional states of real individuals.",
    "Analyzing emotions from faces can reinforce stereotypes, so I'll decline.",
    "Emotion recognition from faces is something I've been asked not to do. Sorry!",
    "I don't have the ability to view images in this conversation.",
    '{"emotion": null, "error": "face_not_detected"}',
    "Scores unavailable - no face detected.\nsurprise: n/a\nfear: n/a\nneutral: n/a",
    "Emotion: N/A",
    "My visual input for this turn is empty, so there's nothing for me to evaluate.",
    "All I'm receiving is a broken-image placeholder. Could you re-send?",
    "No face could be located in the input.",
    "no pic came through on my end",
    "Any label I gave would be a guess, so I won't give one.",
    "The clip is too short to determine the facial expression.",
    ("I need to look at the image, but there doesn't seem to be one attached. Please provide the "
     "image so I can analyze the facial expression."),
    "I'm unable to analyze emotions from video content.",
    "Image not loaded.",
    "<answer>N/A</answer>",
    "There is no video content to analyze.",
    "Since contempt isn't among the options, I can't give an answer from this list.",
    ("Happiness, sadness, anger, surprise... I can't say which of these applies, because the image "
     "didn't load on my end."),
    "I can't tell: the face is not displaying any emotion I can read because it's blurred.",
    "Sorry, the image isn't visible to me, so I can't decide between happy and sad.",
    "I apologize, but I need a clearer picture to answer that.",
    "The video appears to be corrupted or empty; I can't see anyone in it.",
    "Unable to answer.",
    "The face is turned away from the camera, so no expression can be determined.",
    "no image",
    ("This looks like an image of a sculpture with its face broken off; there is no facial "
     "expression to read."),
    "The file appears corrupted - I'm getting garbled stripes instead of a picture.",
    "Unable to comment on that.",
    ("The options are anger, disgust, fear, happiness, sadness, surprise, neutral. Unfortunately "
     "the image did not come through, so I cannot tell."),
]


@pytest.mark.parametrize("text", AMBIGUOUS)
def test_an_undecided_answer_is_not_a_refusal(text: str) -> None:
    result = parse("synonym_class", text, CTX)
    assert (result.value, result.rule) == (None, "tie")


@pytest.mark.parametrize("text", REFUSED)
def test_a_refusal_is_a_refusal(text: str) -> None:
    result = parse("synonym_class", text, CTX)
    assert (result.value, result.rule) == (None, REFUSAL)


def test_a_word_of_a_class_the_task_lacks_is_no_misspelling() -> None:
    """RAF-DB has no contempt: "contempt" is a word, not a misspelt "content" (happiness)."""
    assert parse("synonym_class", "She shows contempt.", CTX).value is None
    assert parse("synonym_class", "It's not joy, it's contempt.", CTX).value is None
    with_contempt = expression_ctx(classes=RAFDB + ("contempt",))
    assert parse("synonym_class", "She shows contempt.", with_contempt).value == "contempt"


def test_every_answer_marker_is_seen_by_the_first_sentence_shortcut() -> None:
    """The shortcut skips the rest of an answer that holds no ``ANSWER`` marker: it must see
    each one, as written and as a model writes it."""
    assert [m for m in MARKERS[ANSWER] if not _stops_in(m)] == []
    assert _stops_in("i'll go with anger.") and _stops_in("i'd pick fear")


def test_every_second_look_is_seen_by_the_first_sentence_shortcut() -> None:
    """A later "Actually, ..." or "On closer inspection" corrects the first sentence."""
    assert [m for m in MARKERS[REVISE] if not _stops_in(m)] == []


@pytest.mark.parametrize("phrase", [
    "torn between", "equally plausible", "both seem plausible", "plausible either way",
    "could go either way", "no clear choice", "no clear winner", "no clear favourite",
    "does not allow a clear choice", "hard to choose", "can't choose between",
    "cannot decide between", "can't pick one", "50/50", "fifty-fifty", "toss-up", "coin flip",
    "neither clearly wins", "hard to say which", "can't tell which", "not sure which",
    "a mix of both", "split evenly between", "evenly split", "too close to call",
    "the expression is mix", "at the same time", "both are true", "equally reasonable",
    "can't be reduced to a single category", "mixed signals", "neither does", "i'm torn",
    "the expression is bittersweet", "it could be either", "doesn't fit into a single category",
    "can't settle on a single label", "can't decide which", "either reading is defensible",
    "either fits", "both fit equally", "i keep going back and forth", "can't make up my mind",
    "can't reduce it to one label", "a split expression",
])
def test_every_doubt_phrase_passes_the_word_prefilter(phrase: str) -> None:
    """Answers skip the doubt pattern unless one of its words appears: each phrase holds one."""
    from facebench.parsing.synonyms import _DOUBT, _PAIR_DOUBT

    assert _DOUBT.search(phrase) is not None or _PAIR_DOUBT.search(phrase) is not None
    assert _stops_in(phrase.lower())


def test_every_emoji_stands_for_one_class() -> None:
    """Each emoji's word is a synonym of exactly one expression class."""
    from facebench.parsing.synonyms import _yaml

    words = _yaml("emoji")["words"]
    for emoji, word in words.items():
        assert parse("synonym_class", emoji, CTX).value is not None, (emoji, word)


def test_every_heading_is_seen_by_the_first_sentence_shortcut() -> None:
    """A later "Label: fear" (or '"emotion": "fear"') decides: the shortcut must scan for it."""
    from facebench.parsing.discourse import HEADINGS as FIELDS

    for field in FIELDS:
        for written in (f"{field}: fear", f"{field} : fear", f'"{field}": "fear"'):
            assert _stops_in(written), written


def test_every_retraction_is_seen_by_the_first_sentence_shortcut() -> None:
    """A later retraction takes the first sentence back, so the shortcut must see each one."""
    assert [m for m in RETRACTING if not _stops_in(m)] == []
    assert [f for f in RETRACTING_FIELDS if not _stops_in(f"{f}: fear")] == []
    assert _stops_in("hmm, that's wrong: anger") and _stops_in("i take that back")


# --- property: no read is a class the text negates, rejects or gives to someone else --------

_WORD = {"happiness": "happy", "sadness": "sad", "surprise": "surprised", "fear": "scared",
         "disgust": "disgusted", "anger": "angry", "neutral": "calm"}
_NOT_HERS = [
    "{w} would be wrong", "{w} is incorrect", "less {w} than {v}", "not so much {w} as {v}",
    "{w} is ruled out", "not {w}, {v}", "less {w} and more {v}", "not {w}, more like {v}",
    "the photographer is {w}", "the person next to her is {w}", "the child behind her looks {w}",
    "it is easily confused with {w}", "I considered {w}", "{w} or just tired",
    "not at all {w}", "she is {v}, not {w}",
]
_HERS = [
    "she looks {v}", "mostly {v}", "{v} tinged with {x}", "{v}, and to a lesser degree {x}",
    "putting it together, {v}", "{v}", "she could be {v}", "less {x} than {v}",
]
_JOIN = [". ", "; ", ", ", " but ", " and ", ", although ", " - ", "\n"]


@st.composite
def not_hers_text(draw):
    excluded = draw(st.sampled_from(RAFDB))
    others = [c for c in RAFDB if c != excluded]
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        v, x = draw(st.sampled_from(others)), draw(st.sampled_from(others))
        form = draw(st.sampled_from(_NOT_HERS + _HERS))
        parts.append(form.format(w=_WORD[excluded], v=_WORD[v], x=_WORD[x]))
        parts.append(draw(st.sampled_from(_JOIN)))
    return excluded, "".join(parts).strip(" ,;-") + draw(st.sampled_from([".", "", "!"]))


@settings(max_examples=600, deadline=None)
@given(not_hers_text())
def test_no_read_is_a_class_the_text_does_not_give_her(case: tuple[str, str]) -> None:
    excluded, text = case
    assert parse("synonym_class", text, CTX).value != excluded, text


def _scans_plain(sentence: str) -> str | None:
    """The class of ``sentence`` when the full scan gives it only plain mentions of one class."""
    from facebench.parsing.matcher import PLAIN
    from facebench.parsing.synonyms import _matcher

    scan = _matcher(CTX)[1].scan(sentence)
    keys = {h.key for h in scan.hits}
    if (scan.first_sentence == 0 and len(keys) == 1 and all(
            not h.negated and h.strength == PLAIN and not h.fuzzy for h in scan.hits)):
        return keys.pop()
    return None


@pytest.mark.parametrize("text", sorted({t.split(". ")[0].rstrip(".") + "." for t, _ in ALL}))
def test_the_plain_sentence_shortcut_agrees_with_the_scan(text: str) -> None:
    """``plain_class`` reads a sentence without the scan only when the scan would find plain
    mentions of that one class; whatever it leaves (None), the scan reads."""
    from facebench.parsing.synonyms import _matcher

    plain = _matcher(CTX)[1].plain_class(text)
    assert plain is None or plain == _scans_plain(text), text


_PLAIN_WORDS = ["the", "person", "she", "he", "looks", "is", "shows", "appears", "to", "be",
                "very", "in", "image", "face", "expression", "smiling", "frowning", "not", "no",
                "but", "and", "or", "mostly", "slightly", "maybe", "her", "friend", "dog", "poster",
                "would", "if", "happy", "sad", "angry", "neutral", "surprised", "scared",
                "disgusted", "hapy", "suprised", ",", "-", "answer", "though", "a", "bit",
                "smile", "calm", "overall", "really", "crowd", "at", "first", "like"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PLAIN_WORDS), min_size=1, max_size=9), st.sampled_from([".", "!"]))
def test_the_plain_sentence_shortcut_agrees_with_the_scan_on_any_words(
        words: list[str], end: str) -> None:
    from facebench.parsing.synonyms import _matcher

    text = " ".join(words) + end
    plain = _matcher(CTX)[1].plain_class(text)
    assert plain is None or plain == _scans_plain(text), text
